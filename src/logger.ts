// pino JSON logs. Anything that may hold a secret is redacted by path, wherever it appears.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'auth',
  '*.auth',
  'password',
  '*.password',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'headerValue',
  '*.headerValue',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'svyazka' },
    },
    opts.destination,
  );
}

export type { Logger };
