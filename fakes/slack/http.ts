import type { IncomingMessage, ServerResponse } from 'node:http';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface ParsedBody {
  /** text fields, whichever encoding they came in; JSON bodies keep their value types */
  fields: Record<string, unknown>;
  /** binary parts of a multipart body */
  parts: MultipartPart[];
  raw: Buffer;
  /** false when the body could not be decoded under its declared content-type */
  wellFormed: boolean;
}

export async function readBody(req: IncomingMessage, limitBytes = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limitBytes) throw new Error(`body larger than ${limitBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function headerParam(contentType: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i');
  const m = re.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function parseBody(contentType: string | undefined, raw: Buffer): ParsedBody {
  const type = mediaType(contentType);
  if (
    type === 'application/x-www-form-urlencoded' ||
    (type === '' && raw.length > 0 && !raw.subarray(0, 1).equals(Buffer.from('{')))
  ) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) fields[k] = v;
    return { fields, parts: [], raw, wellFormed: true };
  }
  if (type === 'application/json' || type === '') {
    if (raw.length === 0) return { fields: {}, parts: [], raw, wellFormed: true };
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return { fields: parsed as Record<string, unknown>, parts: [], raw, wellFormed: true };
      }
    } catch {
      // fall through
    }
    return { fields: {}, parts: [], raw, wellFormed: false };
  }
  if (type === 'multipart/form-data') {
    const boundary = headerParam(contentType ?? '', 'boundary');
    if (!boundary) return { fields: {}, parts: [], raw, wellFormed: false };
    const parts = parseMultipart(raw, boundary);
    const fields: Record<string, unknown> = {};
    const binary: MultipartPart[] = [];
    for (const p of parts) {
      if (p.filename === undefined) fields[p.name] = p.data.toString('utf8');
      else binary.push(p);
    }
    return { fields, parts: binary, raw, wellFormed: parts.length > 0 };
  }
  return { fields: {}, parts: [], raw, wellFormed: true };
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos === -1) return parts;
  pos += delimiter.length;
  for (;;) {
    // "--" right after a delimiter closes the body
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const end = body.indexOf(separator, pos);
    if (end === -1) break;
    const part = body.subarray(pos, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8').split('\r\n');
      const data = Buffer.from(part.subarray(headerEnd + 4));
      let name = '';
      let filename: string | undefined;
      let contentType: string | undefined;
      for (const line of headers) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (key === 'content-disposition') {
          name = headerParam(value, 'name') ?? '';
          filename = headerParam(value, 'filename');
        } else if (key === 'content-type') {
          contentType = value;
        }
      }
      parts.push({ name, filename, contentType, data });
    }
    pos = end + separator.length;
  }
  return parts;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
