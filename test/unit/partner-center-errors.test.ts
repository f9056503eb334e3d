import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../../src/errors';
import {
  APP_ONLY_REFUSED,
  errorFromResponse,
  invalidResponseError,
  parseRetryAfter,
  PartnerCenterError,
  RegistrationStatusSchema,
} from '../../src/partner-center';

const FIXTURES = path.resolve(__dirname, '../fixtures/partner-center');
const fixtureText = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

const fault = (code: number | string, description = 'something went wrong'): string =>
  JSON.stringify({ code, description, data: [], source: 'PartnerFD' });

describe('errorFromResponse', () => {
  it.each([
    [400, 'pc_bad_request'],
    [401, 'pc_auth'],
    [403, 'pc_auth'],
    [404, 'pc_not_found'],
    [405, 'pc_bad_request'],
    [409, 'pc_conflict'],
    [412, 'pc_bad_request'],
    [417, 'pc_bad_request'],
    [429, 'pc_throttled'],
    [500, 'pc_server'],
    [502, 'pc_server'],
    [503, 'pc_server'],
    [504, 'pc_server'],
  ] as const)('maps HTTP %i to %s', (status, code) => {
    const err = errorFromResponse(status, {}, fault(800002));
    expect(err).toBeInstanceOf(PartnerCenterError);
    expect(isAppError(err, code)).toBe(true);
    expect(err.status).toBe(status);
  });

  it('keeps the Partner Center code, description and data of the ApiFault body', () => {
    const err = errorFromResponse(400, {}, fixtureText('error.example-400-with-data.response.json'));
    expect(err.pcCode).toBe(60012);
    expect(err.description).toMatch(/run out of licenses/);
    expect(err.data).toHaveLength(1);
    expect(err.message).toContain('(code 60012)');
  });

  it('recognises an app-only token refused on an App+User operation (403, code 900329)', () => {
    const err = errorFromResponse(
      403,
      {},
      fault(APP_ONLY_REFUSED, 'This resource does not support application-only authentication.'),
    );
    expect(err.code).toBe('pc_auth');
    expect(err.appOnlyRefused).toBe(true);
    expect(err.message).toMatch(/App\+User/);
    expect(
      errorFromResponse(403, {}, fixtureText('error.example-403-conditional-access.response.json'))
        .appOnlyRefused,
    ).toBe(false);
  });

  it('reads a numeric code sent as a string the same way', () => {
    expect(errorFromResponse(403, {}, fault('900329')).appOnlyRefused).toBe(true);
  });

  it("takes a 429's wait from the Retry-After header", () => {
    const err = errorFromResponse(
      429,
      { 'retry-after': '7' },
      fixtureText('error.throttled-429.response.json'),
    );
    expect(err.code).toBe('pc_throttled');
    expect(err.retryAfterMs).toBe(7000);
  });

  it("takes a 429's wait from the documented throttling body when there is no header", () => {
    const err = errorFromResponse(429, {}, fixtureText('error.throttled-429.response.json'));
    expect(err.retryAfterMs).toBe(57_000);
    expect(err.description).toBe('Rate limit is exceeded. Try again in 57 seconds.');
  });

  it("takes a 429's wait from an ApiFault-shaped body too", () => {
    const err = errorFromResponse(429, {}, fault(429, 'Too many requests. Try again in 3 seconds.'));
    expect(err.retryAfterMs).toBe(3000);
    expect(err.pcCode).toBe(429);
  });

  it('reads Retry-After given as an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('reads headers case-insensitively and keeps the first of a comma-joined id', () => {
    const err = errorFromResponse(404, { 'MS-RequestId': 'r1,r1', 'ms-correlationid': 'c1' }, fault(20000));
    expect(err.requestId).toBe('r1');
    expect(err.correlationId).toBe('c1');
  });

  it('prefers the ids the client sent over the ones the server echoes', () => {
    const err = errorFromResponse(500, { 'ms-requestid': 'server-side' }, fault(800003), {
      requestId: 'ours',
      correlationId: 'corr',
    });
    expect(err.requestId).toBe('ours');
    expect(err.correlationId).toBe('corr');
  });

  it('still maps a status whose body is empty or not JSON', () => {
    const empty = errorFromResponse(502, {}, '');
    expect(empty.code).toBe('pc_server');
    expect(empty.pcCode).toBeUndefined();
    expect(errorFromResponse(404, {}, '<html>nope</html>').code).toBe('pc_not_found');
  });

  it('names the failing operation in the message when told', () => {
    expect(errorFromResponse(409, {}, fault(800064), { operation: 'checkoutCart' }).message).toMatch(
      /^checkoutCart: /,
    );
  });

  it('marks throttling, server, network and timeout failures as retryable and the rest not', () => {
    expect(errorFromResponse(429, {}, '').retryable).toBe(true);
    expect(errorFromResponse(503, {}, '').retryable).toBe(true);
    expect(new PartnerCenterError('pc_timeout', 't').retryable).toBe(true);
    expect(errorFromResponse(400, {}, '').retryable).toBe(false);
    expect(errorFromResponse(409, {}, '').retryable).toBe(false);
  });
});

describe('invalidResponseError', () => {
  it('reports a 2xx body that failed its schema with the zod issues and without the body', () => {
    const body = { subscriptionId: 'sub-1', secretish: 'do-not-leak-me' };
    const parsed = RegistrationStatusSchema.safeParse(body);
    if (parsed.success) throw new Error('expected a schema failure');
    const err = invalidResponseError(200, {}, parsed.error.issues, {
      operation: 'getRegistrationStatus',
      requestId: 'r',
    });
    expect(err.code).toBe('pc_invalid_response');
    expect(err.issues?.[0]?.path).toEqual(['status']);
    expect(err.message).toContain('status');
    expect(err.message).not.toContain('do-not-leak-me');
    expect(JSON.stringify(err)).not.toContain('do-not-leak-me');
    expect(err.requestId).toBe('r');
  });
});
