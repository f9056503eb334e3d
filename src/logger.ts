import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Bot tokens, signing secrets, client secrets, refresh
 * tokens and authorization headers must never reach a log line, whatever object they ride in on.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'refreshToken',
  '*.refreshToken',
  'refresh_token',
  '*.refresh_token',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  '*.client_secret',
  'signingSecret',
  '*.signingSecret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'Authorization',
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  // The Config object, logged whole or in parts.
  'config.slack.botToken',
  'config.slack.signingSecret',
  'config.slack.appToken',
  'config.partnerCenter.clientSecret',
  'config.partnerCenter.refreshToken',
  'config.bullBoard.password',
  'config.redis.url',
  'config.redis.sentinelPassword',
  'sentinelPassword',
  '*.sentinelPassword',
  'slack.botToken',
  'slack.signingSecret',
  'slack.appToken',
  'partnerCenter.clientSecret',
  'partnerCenter.refreshToken',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
];

// Token shapes that may hide inside free text (an error message quoting a header, say).
const SECRET_PATTERNS: readonly RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /Bearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g,
  // Passwords inside connection URLs (redis://:secret@host).
  /(?<=[a-z][a-z0-9+.-]*:\/\/[^:/\s@]*:)[^@\s/]+(?=@)/gi,
];

/** Masks token-shaped substrings in free text. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[Redacted]');
  return out;
}

export interface LoggerSettings {
  level?: string;
  pretty?: boolean;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: settings.base ?? { service: 'pc-purchase-bot' },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    formatters: {
      log(object) {
        // Free-text fields get the pattern scrub; structured secrets are handled by `redact`.
        for (const key of ['msg', 'message', 'err'] as const) {
          const value = object[key];
          if (typeof value === 'string') object[key] = scrubSecrets(value);
        }
        return object;
      },
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a: unknown) => (typeof a === 'string' ? scrubSecrets(a) : a));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (err: unknown) => {
        const s = pino.stdSerializers.err(err as Error);
        return { ...s, message: scrubSecrets(s.message ?? ''), stack: scrubSecrets(s.stack ?? '') };
      },
    },
  };
  if (settings.destination) return pino(options, settings.destination);
  if (settings.pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}
