import { pino } from 'pino';

/** The logger shape every module takes (pino's, narrowed so tests can pass their own). */
export type Logger = Pick<pino.Logger, 'info' | 'warn' | 'error' | 'debug' | 'fatal'> & {
  child(bindings: Record<string, unknown>): Logger;
};

/**
 * A JSON logger. Secrets never reach logs: credential-like fields are redacted wherever they
 * appear in a logged object.
 *
 * @example const log = createLogger({ level: 'info', name: 'handler' }); log.info({ route }, 'started');
 */
export function createLogger(opts: { level: string; name: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    redact: {
      paths: [
        'pass',
        '*.pass',
        'password',
        '*.password',
        'secret',
        '*.secret',
        '*.secretKey',
        'apiKey',
        '*.apiKey',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'config.pass',
        'config.secret',
        'config.appSecret',
        'config.secretKey',
        'config.accessToken',
      ],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger({ level: 'silent', name: 'silent' });
