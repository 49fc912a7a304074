import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { matchRoutes, type Route } from '../domain/channels.ts';

/**
 * The platform's configuration, read once from the environment (and an optional JSON file named
 * by `CONFIG_FILE`, whose keys are the same variable names; the environment wins). This is the
 * only module that reads `process.env`.
 */
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  PORT: int(3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: z
    .string()
    // host:port, or [ipv6]:port, comma-separated.
    .regex(
      /^\s*(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[^\s,:[\]]+):\d{1,5}\s*)*,?\s*$/,
      'must be comma-separated host:port seeds',
    )
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|sqlite):\/\//, 'must be mysql://… or sqlite://<path>')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and :_.- only')
    .default('push:'),
  SECRET_KEY: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, 'must be 32 bytes as 64 hex chars or base64')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  LOG_REDACT: bool(true),
  ACCESS_LOG: bool(true),
  EVENT_PARTITIONS: int(8, 1, 1024),
  HANDLER_CONCURRENCY: int(32, 1, 10_000),
  HANDLER_BATCH: int(100, 1, 5000),
  HANDLER_ROUTES: z.string().optional(),
  VISIBILITY_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  MAX_ATTEMPTS: int(5, 1, 100),
  MAX_DELIVERIES: int(10, 1, 1000),
  RETRY_BASE_MS: int(1000, 1, 3_600_000),
  RETRY_MAX_MS: int(300_000, 1, 86_400_000),
  BREAKER_THRESHOLD: int(5, 1, 1000),
  BREAKER_HALF_OPEN_MS: int(10_000, 100, 3_600_000),
  HANDLER_BATCH_LINGER_MS: int(100, 0, 5000),
  RECEIPTS_PULL_MS: int(30_000, 1000, 3_600_000),
  BACKPRESSURE_HIGH_WATER: int(500_000, 1, 1_000_000_000),
  CROWD_MAX_BYTES: int(100 * 1024 * 1024, 1024, 10 * 1024 * 1024 * 1024),
  SEND_AT_MAX_DAYS: int(30, 1, 3650),
  SEND_MAX_FANOUT_BYTES: int(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  APP_DEFAULT_RATE: int(5000, 0, 10_000_000),
  APP_PARKED_MAX_BYTES: int(1024 ** 3, 1024, 1024 ** 4),
  TRACE_TTL_DAYS: int(7, 1, 3650),
  COUNTER_TTL_DAYS: int(90, 1, 3650),
  REDIS_AUTOSTART: bool(true),
  REDIS_APPENDFSYNC: z.enum(['always', 'everysec', 'no']).default('everysec'),
  AGGREGATOR_LEASE_MS: int(10_000, 300, 600_000),
  TIMEZONE: z.string().min(1).default('Asia/Shanghai'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('pushline'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
  CALLBACKS_ALLOW_PRIVATE: bool(false),
  CALLBACKS_MAX_ATTEMPTS: int(8, 1, 100),
  CALLBACKS_CONCURRENCY: int(64, 1, 10_000),
  AUTH_FAIL_LIMIT: int(50, 0, 1_000_000),
  AUTH_FAIL_WINDOW_S: int(60, 1, 86_400),
  AUTH_BLOCK_S: int(60, 1, 86_400),
  // Comma-separated addresses and CIDRs; `none` for an empty list (an empty value means unset).
  AUTH_EXEMPT: z
    .string()
    .regex(
      /^\s*(none|[0-9A-Fa-f:./]+(\s*,\s*[0-9A-Fa-f:./]+)*)\s*$/,
      'addresses/CIDRs, comma-separated, or none',
    )
    .default('127.0.0.1,::1'),
});

type Raw = z.infer<typeof schema>;

/**
 * Typed, validated configuration.
 *
 * @example const config = loadConfig({ PORT: '8080' }); config.port // 8080
 */
export type Config = Readonly<{
  port: number;
  host: string;
  /** Port of /healthz, /readyz and /metrics in the handler, aggregator and scheduler; unset = none. */
  opsPort: number | undefined;
  redisUrl: string;
  /**
   * Redis Cluster seed nodes (`REDIS_CLUSTER_NODES`, `host:port`); set, every client is a Cluster
   * client and `redisUrl` lends it only its user, password and TLS.
   */
  redisClusterNodes: readonly string[] | undefined;
  /** `mysql://…` or `sqlite://<file>`; defaults to an SQLite file under `dataDir`. */
  databaseUrl: string;
  dataDir: string;
  adminToken: string | undefined;
  keyPrefix: string;
  secretKey: Buffer | undefined;
  logLevel: Raw['LOG_LEVEL'];
  /** `pretty` (human lines), `json` (one object a line), or `auto`: pretty on a terminal. */
  logFormat: Raw['LOG_FORMAT'];
  /** Receivers are redacted from log lines (`LOG_REDACT`; secrets always are). */
  logRedact: boolean;
  /** One log line per HTTP request at ingest (`ACCESS_LOG`). */
  accessLog: boolean;
  eventPartitions: number;
  handler: Readonly<{
    concurrency: number;
    /** Routes this handler process serves (`HANDLER_ROUTES`); undefined = every route. */
    routes: readonly Route[] | undefined;
    batch: number;
    visibilityTimeoutMs: number;
    maxAttempts: number;
    maxDeliveries: number;
    retryBaseMs: number;
    retryMaxMs: number;
    /** Per-account circuit breaker: consecutive retryable failures that open it, and the probe delay. */
    breaker: Readonly<{ threshold: number; halfOpenAfterMs: number }>;
    /**
     * Longest a batch provider's send waits for others with the same content to share its call
     * (`HANDLER_BATCH_LINGER_MS`; it goes earlier once none came for a quarter of that);
     * verification codes (`auth`) never wait.
     */
    batchLingerMs: number;
  }>;
  /** How often the scheduler's leader pulls SMS receipts of every account (`RECEIPTS_PULL_MS`). */
  receiptsPullMs: number;
  backpressureHighWater: number;
  /** Largest crowd CSV upload (`CROWD_MAX_BYTES`, default 100 MiB); streamed, never held whole. */
  crowdMaxBytes: number;
  /** Latest `sendAt` a send may ask for, in days ahead (`SEND_AT_MAX_DAYS`, default 30). */
  sendAtMaxDays: number;
  /**
   * Most bytes of variables one send request may copy into its deliveries, Σ variables × receivers
   * (`SEND_MAX_FANOUT_BYTES`, default 16 MiB): each delivery holds its variables in Redis.
   */
  sendMaxFanoutBytes: number;
  /**
   * Deliveries per second an app without its own `rateLimit` may send (`APP_DEFAULT_RATE`,
   * default 5,000; 0 = unlimited).
   */
  appDefaultRate: number;
  /**
   * Bytes of scheduled (`sendAt`) deliveries one app may hold parked in Redis at once
   * (`APP_PARKED_MAX_BYTES`, default 1 GiB); released as they come due.
   */
  appParkedMaxBytes: number;
  traceTtlDays: number;
  counterTtlDays: number;
  redisAutostart: boolean;
  /**
   * fsync policy of the private Redis that `npm start` launches (`REDIS_APPENDFSYNC`): `always`
   * loses nothing acknowledged on a machine crash, `everysec` up to about a second, `no` what the OS
   * had not written. A Redis you run yourself keeps its own settings.
   */
  redisAppendfsync: 'always' | 'everysec' | 'no';
  /** Partition lease time to live; a dead aggregator's partitions move on after this. */
  aggregatorLeaseMs: number;
  timezone: string;
  /** `sampleRatio`: share of new traces recorded (0..1); continued traces follow their parent. */
  otel: Readonly<{
    endpoint: string | undefined;
    serviceName: string;
    sampleRatio: number;
    protocol: 'http/protobuf' | 'http/json';
  }>;
  /** Status callbacks posted to apps (pkg/callbacks). */
  callbacks: Readonly<{
    /** Post to (and accept app URLs at) loopback/private addresses: tests and on-prem installs. */
    allowPrivateNetworks: boolean;
    /** Post attempts of one callback before it is dead-lettered. */
    maxAttempts: number;
    /** Callback posts in flight per process. */
    concurrency: number;
  }>;
  /**
   * Failed-authentication throttle per source address (pkg/api/auth-throttle.ts): `limit`
   * failures (`AUTH_FAIL_LIMIT`, 0 = off) in `windowS` (`AUTH_FAIL_WINDOW_S`) answer 429 for
   * `blockS` (`AUTH_BLOCK_S`); `exempt` (`AUTH_EXEMPT`) addresses/CIDRs are never throttled.
   */
  authThrottle: Readonly<{ limit: number; windowS: number; blockS: number; exempt: readonly string[] }>;
}>;

/**
 * A configuration error. The message is one line that names the variable and never holds the
 * value of a secret.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose values are never echoed in an error (they are credentials themselves). */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['ADMIN_TOKEN', 'SECRET_KEY']);

/**
 * How a bad value shows in its error: secrets not at all, URLs without their user and
 * password (`redis://:pw@host` → `redis://***@host`), long values cut, all on one line.
 */
function shown(variable: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (SECRET_VARIABLES.has(variable)) return '(the value is secret and not shown)';
  const safe = value.replace(/(\/\/)[^/\s]*@/g, '$1***@');
  return `(got ${JSON.stringify(safe.length > 100 ? `${safe.slice(0, 100)}…` : safe)})`;
}

/** Reads `CONFIG_FILE` (JSON object of variable names to values) when set. */
function readFileLayer(path: string | undefined): Record<string, string> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`CONFIG_FILE: cannot read ${path}${code ? ` (${code})` : ''}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // V8's message quotes the text around the error, which may be a secret of the file.
    throw new ConfigError(`CONFIG_FILE: ${path} is not valid JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`CONFIG_FILE: ${path} must hold a JSON object`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
}

/**
 * Builds the config from an environment record (default `process.env`). Empty strings count
 * as unset. Throws {@link ConfigError} naming the first bad variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const merged: Record<string, string> = { ...readFileLayer(env.CONFIG_FILE) };
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') merged[key] = v;
  }
  const r = schema.safeParse(merged);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const variable = String(i.path[0]);
    throw new ConfigError(`${variable}: ${oneLine(i.message)} ${shown(variable, merged[variable])}`);
  }
  const c = r.data;
  if (c.RETRY_MAX_MS < c.RETRY_BASE_MS) throw new ConfigError('RETRY_MAX_MS: must be >= RETRY_BASE_MS');
  const redisClusterNodes = clusterNodes(c.REDIS_CLUSTER_NODES, c.REDIS_URL);
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    opsPort: c.OPS_PORT,
    redisUrl: c.REDIS_URL,
    redisClusterNodes,
    databaseUrl: c.DATABASE_URL ?? `sqlite://${c.DATA_DIR}/push.db`,
    dataDir: c.DATA_DIR,
    adminToken: c.ADMIN_TOKEN,
    keyPrefix: c.KEY_PREFIX,
    secretKey: c.SECRET_KEY ? decodeKey(c.SECRET_KEY) : undefined,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
    logRedact: c.LOG_REDACT,
    accessLog: c.ACCESS_LOG,
    eventPartitions: c.EVENT_PARTITIONS,
    handler: Object.freeze({
      concurrency: c.HANDLER_CONCURRENCY,
      routes: handlerRoutes(c.HANDLER_ROUTES),
      batch: c.HANDLER_BATCH,
      visibilityTimeoutMs: c.VISIBILITY_TIMEOUT_MS,
      maxAttempts: c.MAX_ATTEMPTS,
      maxDeliveries: c.MAX_DELIVERIES,
      retryBaseMs: c.RETRY_BASE_MS,
      retryMaxMs: c.RETRY_MAX_MS,
      breaker: Object.freeze({ threshold: c.BREAKER_THRESHOLD, halfOpenAfterMs: c.BREAKER_HALF_OPEN_MS }),
      batchLingerMs: c.HANDLER_BATCH_LINGER_MS,
    }),
    receiptsPullMs: c.RECEIPTS_PULL_MS,
    backpressureHighWater: c.BACKPRESSURE_HIGH_WATER,
    crowdMaxBytes: c.CROWD_MAX_BYTES,
    sendAtMaxDays: c.SEND_AT_MAX_DAYS,
    sendMaxFanoutBytes: c.SEND_MAX_FANOUT_BYTES,
    appDefaultRate: c.APP_DEFAULT_RATE,
    appParkedMaxBytes: c.APP_PARKED_MAX_BYTES,
    traceTtlDays: c.TRACE_TTL_DAYS,
    counterTtlDays: c.COUNTER_TTL_DAYS,
    redisAutostart: c.REDIS_AUTOSTART,
    redisAppendfsync: c.REDIS_APPENDFSYNC,
    aggregatorLeaseMs: c.AGGREGATOR_LEASE_MS,
    timezone: c.TIMEZONE,
    otel: Object.freeze({
      endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: c.OTEL_SERVICE_NAME,
      sampleRatio: c.OTEL_TRACES_SAMPLER_ARG,
      protocol: c.OTEL_EXPORTER_OTLP_PROTOCOL,
    }),
    callbacks: Object.freeze({
      allowPrivateNetworks: c.CALLBACKS_ALLOW_PRIVATE,
      maxAttempts: c.CALLBACKS_MAX_ATTEMPTS,
      concurrency: c.CALLBACKS_CONCURRENCY,
    }),
    authThrottle: Object.freeze({
      limit: c.AUTH_FAIL_LIMIT,
      windowS: c.AUTH_FAIL_WINDOW_S,
      blockS: c.AUTH_BLOCK_S,
      exempt: authExempt(c.AUTH_EXEMPT),
    }),
  });
}

/** `REDIS_CLUSTER_NODES` → the seeds; a cluster has only database 0, so REDIS_URL may not name another. */
function clusterNodes(v: string | undefined, redisUrl: string): readonly string[] | undefined {
  if (v === undefined) return undefined;
  const db = new URL(redisUrl).pathname.replace(/^\//, '');
  if (db !== '' && db !== '0')
    throw new ConfigError('REDIS_URL: a Redis Cluster has only database 0; drop the /<db> path');
  return Object.freeze(
    v
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== ''),
  );
}

/**
 * `AUTH_EXEMPT` → its addresses and CIDRs (`none`: no exemption). Each is checked as an address
 * where it is used (pkg/api/auth-throttle.ts `addressMatcher`), which fails the start on a typo.
 */
function authExempt(v: string): readonly string[] {
  if (v.trim() === 'none') return Object.freeze([]);
  return Object.freeze(v.split(',').map((a) => a.trim()));
}

/** `HANDLER_ROUTES` (comma-separated route patterns) → the routes, or undefined for all. */
function handlerRoutes(v: string | undefined): readonly Route[] | undefined {
  if (v === undefined) return undefined;
  try {
    const routes = matchRoutes(v.split(',').filter((p) => p.trim() !== ''));
    if (routes.length === 0) throw new Error('names no route');
    return Object.freeze(routes);
  } catch (err) {
    throw new ConfigError(`HANDLER_ROUTES: ${oneLine((err as Error).message)} ${shown('HANDLER_ROUTES', v)}`);
  }
}

const decodeKey = (s: string): Buffer => (s.length === 64 ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64'));
const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, '; ');

/**
 * Runs a process entry's config step (default: {@link loadConfig} of the environment). A
 * {@link ConfigError} ends the process with one line on stderr naming the variable — no stack,
 * no secret — and exit code 2 (a usage error: restarting will not help); other errors pass.
 *
 * @example const config = configOrExit('aggregator', () => withDevSecrets(loadConfig()));
 * // ADMIN_TOKEN=short → stderr "aggregator: invalid configuration: ADMIN_TOKEN: must be at least 16 characters (the value is secret and not shown)", exit 2
 */
export function configOrExit<T = Config>(processName: string, build: () => T = () => loadConfig() as T): T {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${processName}: invalid configuration: ${oneLine(err.message)}\n`);
    process.exit(2);
  }
}

/** Documented variables, for `--help` style output and the README table. */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

/**
 * Each variable's default as the environment would spell it (undefined: no default), so the
 * README's table can be checked against the schema.
 *
 * @example CONFIG_DEFAULTS.PORT // '3000'
 */
export const CONFIG_DEFAULTS: Readonly<Record<string, string | undefined>> = Object.freeze(
  Object.fromEntries(
    Object.entries(schema.shape).map(([k, s]) => {
      const r = (s as z.ZodType).safeParse(undefined);
      return [k, r.success && r.data !== undefined ? String(r.data) : undefined];
    }),
  ),
);
