import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Redaction is belt and braces: secrets are never passed to the logger on purpose, but a stray error
 * object or request body must not carry one into a log line either.
 */
const redactPaths = [
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'appClientSecret',
  '*.appClientSecret',
  'password',
  '*.password',
  'appToken',
  '*.appToken',
  'adminSecret',
  '*.adminSecret',
  'ks',
  '*.ks',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { app: 'archiver' }, redact: { paths: redactPaths, censor: '[redacted]' } },
    destination as DestinationStream | undefined,
  );
}
