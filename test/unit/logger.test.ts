import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { loadConfig } from '../../src/config';
import { baseEnv } from '../../harness/env';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logging', () => {
  it('never writes a bot token, secret or authorization header, wherever it appears', () => {
    const out = capture();
    const log = createLogger({ level: 'trace', destination: out.stream });
    const config = loadConfig(
      baseEnv({ SLACK_BOT_TOKEN: 'xoxb-111-222-SECRETTOKEN', SLACK_SIGNING_SECRET: 'signing-SECRET-value' }),
    );
    log.info({ config }, 'config loaded');
    log.info(
      { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijk' } },
      'calling',
    );
    log.info({ req: { headers: { Authorization: 'Bearer abc.def.ghi' } } }, 'nested');
    log.warn('slack said no for token xoxb-111-222-SECRETTOKEN');
    log.error(
      { err: new Error('failed with Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijk') },
      'oops',
    );
    log.info(
      { clientSecret: 'pc-client-secret-value', refreshToken: 'pc-refresh-token-value', token: 'plain' },
      'creds',
    );
    const text = out.text();
    expect(text).not.toContain('SECRETTOKEN');
    expect(text).not.toContain('signing-SECRET-value');
    expect(text).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(text).not.toContain('abc.def.ghi');
    expect(text).not.toContain('pc-client-secret-value');
    expect(text).not.toContain('pc-refresh-token-value');
    expect(text).toContain('[Redacted]');
    // The lines are still there and structured.
    expect(text.trim().split('\n')).toHaveLength(6);
    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({
      msg: 'config loaded',
      service: 'pc-purchase-bot',
    });
  });

  it('gives child loggers their own bindings', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream }).child({ module: 'ordering', requestId: 'PR-1' });
    log.info('step');
    expect(JSON.parse(out.text())).toMatchObject({ module: 'ordering', requestId: 'PR-1', msg: 'step' });
  });
});
