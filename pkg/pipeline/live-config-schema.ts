import { z } from 'zod';
import { parseRoute, type Route } from '../domain/channels.ts';
import { AppError } from '../domain/errors.ts';
import { MAX_SENSITIVE_WORDS, normaliseWords, sameWords } from './sensitive-dictionary.ts';
import { isValidTimeZone, parseHhmm } from './zoned-time.ts';

/**
 * Live config: the operator's controls that running handlers pick up within seconds (discard
 * list, whitelist, dedup rules, quiet hours, per-route concurrency, per-account rate limits,
 * the sensitive-words dictionary).
 */
export type LiveConfig = Readonly<{
  /** Template ids switched off: their deliveries end as `discarded`. */
  discardTemplateIds: readonly number[];
  /** When enabled, only these receivers get messages (staging). */
  whitelist: Readonly<{ enabled: boolean; receivers: readonly string[] }>;
  dedup: Readonly<{
    /** Same content to the same receiver within this many seconds is sent once; 0 = off. */
    contentWindowSec: number;
    /** At most `limit` messages per receiver per channel per day or rolling window; 0 = off. */
    frequency: Readonly<{ limit: number; per: 'day' | 'window'; windowSec: number }>;
  }>;
  /** Quiet-hours window (local `HH:MM`, may cross midnight) and the platform's default zone. */
  quietHours: Readonly<{ start: string; end: string; timezone: string }>;
  /** Concurrent deliveries per handler process and route (`email.notice`); unset = the default. */
  concurrency: Readonly<Partial<Record<Route, number>>>;
  /** Token buckets per channel-account id (`"3"`), overriding the account's own limit. */
  rateLimits: Readonly<Record<string, Readonly<{ rate: number; burst: number }>>>;
  /**
   * Weighted channel accounts per route (`sms.notice`: Tencent 80 / Aliyun 20) for templates
   * that name no account of their own: each message goes through one picked by weight, and
   * fails over to the others in weight order when the picked one proves it cannot take it.
   */
  routing: Readonly<Partial<Record<Route, readonly RouteAccount[]>>>;
  /**
   * The sensitive-words dictionary that templates with a `sensitive` policy (`mask`, `block`) are
   * checked against: normalised (NFKC, trimmed, lower case), distinct, sorted; at most 100,000
   * words of at most 32 characters. Edited in bulk at `/v1/admin/config/sensitive-words`.
   */
  sensitiveWords: Readonly<{ words: readonly string[] }>;
}>;

/** One account of a route's weighted list. @example { accountId: 3, weight: 80 } */
export type RouteAccount = Readonly<{ accountId: number; weight: number }>;

/**
 * Name of the live config row in the `config` table.
 *
 * @example await configStore.get(LIVE_CONFIG_NAME)
 */
export const LIVE_CONFIG_NAME = 'live';

/**
 * Defaults: nothing discarded or blocked, dedup off, quiet hours 22:00–08:00 in `timezone`
 * (the platform zone, env `TIMEZONE`), no overrides.
 *
 * @example defaultLiveConfig('Europe/Berlin').quietHours // { start: '22:00', end: '08:00', timezone: 'Europe/Berlin' }
 */
export function defaultLiveConfig(timezone = 'Asia/Shanghai'): LiveConfig {
  return deepFreeze({
    discardTemplateIds: [],
    whitelist: { enabled: false, receivers: [] },
    dedup: { contentWindowSec: 0, frequency: { limit: 0, per: 'day', windowSec: 86_400 } },
    quietHours: { start: '22:00', end: '08:00', timezone },
    concurrency: {},
    rateLimits: {},
    routing: {},
    sensitiveWords: { words: [] },
  });
}

const hhmm = z.string().refine((s) => parseHhmm(s) !== undefined, 'must be HH:MM (00:00–23:59)');

const rateLimit = z
  .strictObject({
    rate: z.number().positive().max(1_000_000),
    /** Default: one second's worth (at least 1). */
    burst: z.int().min(1).max(10_000_000).optional(),
  })
  .transform((r) => ({ rate: r.rate, burst: r.burst ?? Math.max(1, Math.ceil(r.rate)) }));

// The last dictionary normalised, by its input: every process re-reads the live config every few
// seconds, and 100,000 words should cost one comparison then, not a normalisation — and keep
// their array, so the matcher built for it is found again (pkg/pipeline/sensitive.ts).
let lastWords: { raw: readonly string[]; words: readonly string[] } | undefined;

const sensitiveWords = z
  .array(z.string())
  // Duplicates count here; the distinct-word limit is checked after normalisation.
  .max(2 * MAX_SENSITIVE_WORDS)
  .transform((raw, ctx): readonly string[] => {
    if (lastWords && sameWords(lastWords.raw, raw)) return lastWords.words;
    const r = normaliseWords(raw);
    if ('issues' in r) {
      for (const i of r.issues) {
        ctx.addIssue({ code: 'custom', message: i.message, ...(i.index >= 0 ? { path: [i.index] } : {}) });
      }
      return z.NEVER;
    }
    const words = Object.freeze(r.words);
    lastWords = { raw: [...raw], words };
    return words;
  });

/**
 * Builds the schema; missing sections and fields take the defaults (zone: `timezone`).
 *
 * @example liveConfigSchemaFor('Europe/Berlin').parse({}).quietHours.timezone // 'Europe/Berlin'
 */
export function liveConfigSchemaFor(timezone = 'Asia/Shanghai') {
  const d = defaultLiveConfig(timezone);
  return z.strictObject({
    discardTemplateIds: z
      .array(z.int().positive())
      .max(100_000)
      .transform((ids) => [...new Set(ids)])
      .default([...d.discardTemplateIds]),
    whitelist: z
      .strictObject({
        enabled: z.boolean().default(d.whitelist.enabled),
        receivers: z.array(z.string().trim().min(1).max(256)).max(100_000).default([]),
      })
      .prefault({}),
    dedup: z
      .strictObject({
        contentWindowSec: z
          .int()
          .min(0)
          .max(30 * 86_400)
          .default(d.dedup.contentWindowSec),
        frequency: z
          .strictObject({
            limit: z.int().min(0).max(1_000_000).default(d.dedup.frequency.limit),
            per: z.enum(['day', 'window']).default(d.dedup.frequency.per),
            windowSec: z
              .int()
              .min(1)
              .max(30 * 86_400)
              .default(d.dedup.frequency.windowSec),
          })
          .prefault({}),
      })
      .prefault({}),
    quietHours: z
      .strictObject({
        start: hhmm.default(d.quietHours.start),
        end: hhmm.default(d.quietHours.end),
        timezone: z
          .string()
          .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
          .default(d.quietHours.timezone),
      })
      .prefault({}),
    concurrency: z
      .record(
        z.string().refine((k) => parseRoute(k) !== undefined, 'must be a route channel.messageType'),
        z.int().min(1).max(10_000),
      )
      .default({})
      .transform((r) => r as Partial<Record<Route, number>>),
    rateLimits: z
      .record(z.string().regex(/^[1-9]\d{0,14}$/, 'must be a channel account id'), rateLimit)
      .default({}),
    routing: z
      .record(
        z.string().refine((k) => parseRoute(k) !== undefined, 'must be a route channel.messageType'),
        z
          .array(
            z.strictObject({
              accountId: z.int().positive().max(2_147_483_647),
              weight: z.int().min(0).max(10_000),
            }),
          )
          .min(1)
          .max(32)
          .refine((l) => new Set(l.map((a) => a.accountId)).size === l.length, 'an account is listed twice')
          .refine((l) => l.some((a) => a.weight > 0), 'at least one weight must be above 0'),
      )
      .default({})
      .transform((r) => r as Partial<Record<Route, RouteAccount[]>>),
    sensitiveWords: z.strictObject({ words: sensitiveWords.default([]) }).prefault({}),
  });
}

/**
 * The live config schema with the default platform zone (unknown keys rejected, defaults filled).
 *
 * @example liveConfigSchema.safeParse({ concurrency: { 'email.notice': 50 } }).success // true
 */
export const liveConfigSchema = liveConfigSchemaFor();

/**
 * Field-named issues of a failed parse: each unknown field and bad record key by its own path.
 *
 * @example liveConfigIssues(liveConfigSchema.safeParse({ foo: 1 }).error!) // [{ path: 'foo', message: 'unknown field' }]
 */
export function liveConfigIssues(err: z.ZodError): { path: string; message: string }[] {
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';
  return err.issues.flatMap((i) => {
    // Name each unknown field itself, and give a bad record key the key check's own message.
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ path: at([...i.path, k]), message: 'unknown field' }));
    }
    if (i.code === 'invalid_key') return [{ path: at(i.path), message: i.issues[0]?.message ?? i.message }];
    return [{ path: at(i.path), message: i.message }];
  });
}

/**
 * Validates a config value, filling defaults; throws `VALIDATION_FAILED` (422) naming fields.
 *
 * @example parseLiveConfig({ discardTemplateIds: [3] }).whitelist.enabled // false
 * @example parseLiveConfig({ dedup: { contentWindowSec: -1 } }) // throws, details[0].path 'dedup.contentWindowSec'
 */
export function parseLiveConfig(value: unknown, timezone?: string): LiveConfig {
  const schema = timezone ? liveConfigSchemaFor(timezone) : liveConfigSchema;
  const r = schema.safeParse(value === undefined ? {} : value);
  if (!r.success) {
    const details = liveConfigIssues(r.error);
    throw new AppError(
      'VALIDATION_FAILED',
      422,
      `invalid config: ${details[0]?.path}: ${details[0]?.message}`,
      details,
    );
  }
  return deepFreeze(r.data);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
