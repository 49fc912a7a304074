import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { PrettyOptions } from 'pino-pretty';

/** The logger shape every module takes (pino's, narrowed so tests can pass their own). */
export type Logger = Pick<pino.Logger, 'info' | 'warn' | 'error' | 'debug' | 'fatal'> & {
  child(bindings: Record<string, unknown>): Logger;
};

/** `json`: one object a line; `pretty`: human lines; `auto`: pretty when stdout is a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Fields that never reach a log line, wherever they appear in a logged object. */
const REDACT = [
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
];

/** Receiver fields (a phone number, an address, a user id): redacted unless `redact` is off. */
const RECEIVERS = ['receiver', 'receivers', 'rcv', 'phone', 'mobile', 'email'].flatMap((f) => [
  f,
  `*.${f}`,
  `*.*.${f}`,
]);

// Loaded only when a logger prints pretty: a JSON process never loads pino-pretty.
const require = createRequire(import.meta.url);

/** Whether `format` prints human lines here; `auto` asks whether stdout is a terminal. */
export function isPretty(format: LogFormat, stdoutIsTTY: boolean = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTTY);
}

/**
 * A logger to stdout. JSON lines (pino's own fast path, untouched) unless `format` asks for
 * human lines, which `auto` (the default) does on a terminal: time, level, process name,
 * message, then the fields. Secrets never reach logs in either form: credential-like fields are
 * redacted wherever they appear in a logged object, before either form is written. Receiver
 * fields (`receiver`, `rcv`, `phone`, …) are too unless `redact` is false (`LOG_REDACT`, for
 * local debugging). `destination` replaces stdout (tests capture lines with it).
 *
 * @example const log = createLogger({ level: 'info', name: 'handler', format: config.logFormat, redact: config.logRedact }); log.info({ route }, 'started');
 */
export function createLogger(opts: {
  level: string;
  name: string;
  format?: LogFormat;
  redact?: boolean;
  destination?: pino.DestinationStream;
}): Logger {
  const options: pino.LoggerOptions = {
    name: opts.name,
    level: opts.level,
    redact: { paths: opts.redact === false ? REDACT : [...REDACT, ...RECEIVERS], censor: '[redacted]' },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.level === 'silent' || !isPretty(opts.format ?? 'auto')) return pino(options);
  const pretty = require('pino-pretty') as (o: PrettyOptions) => pino.DestinationStream;
  // Synchronous, so a fatal line is on the terminal before the process exits.
  return pino(options, pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger({ level: 'silent', name: 'silent' });
