import { Readable } from 'node:stream';
import { zipSync } from 'fflate';
import { csvBytes, parsePriceSheet } from '../../src/partner-center/price-sheet';

/**
 * The price-sheet download is pulled as the parser asks for rows: a consumer that has read a few
 * rows and waits (a load waiting on Redis) holds the download back, for a plain CSV answer and for
 * the zipped one, instead of the whole sheet piling up in memory.
 */
describe('price-sheet stream backpressure', () => {
  const HEADER = 'ProductId,SkuId,TermDuration,BillingPlan,Market,Currency,UnitPrice,Segment\n';
  const row = (i: number) =>
    `DZH318Z0${(i % 997).toString().padStart(4, '0')},${(i * 7919) % 100003},P1Y,Monthly,US,USD,${((i * 37.13) % 5000).toFixed(2)},Commercial\n`;

  function sheet(rows: number): Buffer {
    const parts = [HEADER];
    for (let i = 0; i < rows; i++) parts.push(row(i));
    return Buffer.from(parts.join(''));
  }

  /** A download handing out `bytes` 16 KB at a time, only when asked, counting what it handed out. */
  function source(bytes: Buffer): { body: Readable; pulled: () => number } {
    let offset = 0;
    const body = new Readable({
      read() {
        if (offset >= bytes.length) {
          this.push(null);
          return;
        }
        const next = bytes.subarray(offset, offset + 16_384);
        offset += next.length;
        this.push(next);
      },
    });
    return { body, pulled: () => offset };
  }

  const idle = async (turns: number) => {
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  };

  /** Reads `n` rows, lets the producer run as long as it wants, and says how much it pulled. */
  async function pulledAfterRows(bytes: Buffer, n: number): Promise<number> {
    const { body, pulled } = source(bytes);
    const rows = parsePriceSheet(csvBytes(body), Date.now());
    for (let i = 0; i < n; i++) expect((await rows.next()).done).toBe(false);
    await idle(200);
    const seen = pulled();
    await rows.return(undefined);
    return seen;
  }

  const csv = sheet(250_000); // ~14 MB

  it('a plain CSV answer is read no further ahead than a few chunks', async () => {
    expect(csv.length).toBeGreaterThan(10_000_000);
    const pulled = await pulledAfterRows(csv, 5);
    expect(pulled).toBeLessThan(1_000_000);
  });

  it('a zipped answer is read no further ahead than a few chunks', async () => {
    const zip = Buffer.from(zipSync({ 'sheets.csv': new Uint8Array(csv) }));
    expect(zip.length).toBeGreaterThan(2_000_000);
    const pulled = await pulledAfterRows(zip, 5);
    expect(pulled).toBeLessThan(zip.length / 4);
  });

  it('the zipped and the plain answer give the same rows', async () => {
    const small = sheet(5_000);
    const read = async (bytes: Buffer) => {
      const out = [];
      for await (const r of parsePriceSheet(csvBytes(source(bytes).body), Date.now())) out.push(r);
      return out;
    };
    const plain = await read(small);
    expect(plain).toHaveLength(5_000);
    expect(await read(Buffer.from(zipSync({ 'sheets.csv': new Uint8Array(small) })))).toEqual(plain);
  });

  it('a zipped answer cut off inside its CSV file is an error, not a shorter sheet', async () => {
    const zip = Buffer.from(zipSync({ 'sheets.csv': new Uint8Array(sheet(20_000)) }));
    const cut = zip.subarray(0, Math.floor(zip.length / 2));
    const read = async () => {
      for await (const r of parsePriceSheet(csvBytes(source(cut).body), Date.now())) void r;
    };
    await expect(read()).rejects.toThrow();
  });
});
