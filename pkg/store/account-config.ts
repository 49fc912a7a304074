import { z } from 'zod';
import type { Channel } from '../domain/channels.ts';

/**
 * Pure rules of channel-account configs: which provider each channel takes, the shape of its
 * config, how secrets are masked in reads, and how a patch merges into the stored config
 * without a masked value ever overwriting the real secret.
 */

/** Config keys that hold credentials. */
export const SECRET_KEY_PATTERN = /pass|secret|token|key|credential/i;
/** Strings at least this long show their last 2 characters when masked; shorter ones show none. */
const REVEAL_MIN_LENGTH = 10;
const MASK = '***';
/** Sealed (base64, +1/3) it must fit the TEXT column (64 KiB). */
export const MAX_CONFIG_BYTES = 32_000;

export type ConfigObject = Record<string, unknown>;
export type ConfigIssue = { path: string; message: string };

const smtpConfig = z
  .object({
    host: z.string().trim().min(1).max(255),
    port: z.coerce.number().int().min(1).max(65535),
    secure: z.boolean().optional(),
    user: z.string().max(255).optional(),
    pass: z.string().max(1024).optional(),
    from: z.string().trim().min(3).max(320),
    requireTLS: z.boolean().optional(),
    ignoreTLS: z.boolean().optional(),
    // Same tuning fields the SMTP sender accepts (pkg/channels/email.ts emailConfigSchema).
    pool: z.coerce.number().int().min(1).max(100).optional(),
    rejectUnauthorized: z.boolean().optional(),
    connectionTimeoutMs: z.coerce.number().int().min(100).max(300_000).optional(),
    socketTimeoutMs: z.coerce.number().int().min(100).max(600_000).optional(),
  })
  .strict()
  .refine((c) => !c.user || c.pass !== undefined, { message: 'pass is required with user', path: ['pass'] });

const anyConfig = z.record(z.string(), z.unknown());

/** Providers each channel accepts (`undefined` = any provider name, for channels not yet built). */
const PROVIDERS: Partial<Record<Channel, Readonly<Record<string, z.ZodType>>>> = {
  sandbox: { sandbox: anyConfig },
  email: { smtp: smtpConfig },
};

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Checks the provider and config of an account; returns the normalised config or issues whose
 * paths name the field (`provider`, `config.port`). Never echoes config values into messages.
 *
 * @example validateAccountConfig('email', 'smtp', { host: 'h', port: 25, from: 'a@x.com' }).ok // true
 */
export function validateAccountConfig(
  channel: Channel,
  provider: string,
  config: unknown,
): { ok: true; config: ConfigObject } | { ok: false; issues: ConfigIssue[] } {
  const known = PROVIDERS[channel];
  let schema: z.ZodType = anyConfig;
  if (known) {
    const s = known[provider];
    if (!s) {
      const names = Object.keys(known).join(', ');
      return {
        ok: false,
        issues: [{ path: 'provider', message: `channel ${channel} takes provider ${names}` }],
      };
    }
    schema = s;
  } else if (!PROVIDER_NAME.test(provider)) {
    return {
      ok: false,
      issues: [{ path: 'provider', message: 'lower-case letters, digits, _ and -, at most 32' }],
    };
  }
  const r = schema.safeParse(config);
  if (r.success && Buffer.byteLength(JSON.stringify(r.data)) > MAX_CONFIG_BYTES) {
    return { ok: false, issues: [{ path: 'config', message: `larger than ${MAX_CONFIG_BYTES} bytes` }] };
  }
  if (r.success) return { ok: true, config: r.data as ConfigObject };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({
      path: ['config', ...i.path.map(String)].join('.'),
      message: i.message,
    })),
  };
}

/**
 * How a secret shows in reads: `***` plus at most its last 2 characters.
 *
 * @example maskSecret('hunter2hunter2') // '***r2'
 * @example maskSecret('short') // '***'
 */
export function maskSecret(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return v;
  if (typeof v === 'string' && v.length >= REVEAL_MIN_LENGTH) return MASK + v.slice(-2);
  return MASK;
}

const isPlainObject = (v: unknown): v is ConfigObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const maskAll = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(maskAll)
    : isPlainObject(v)
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskAll(x)]))
      : maskSecret(v);

/**
 * The config with every credential-like key masked (recursively; everything under a
 * credential-like key is masked too).
 *
 * @example maskConfig({ host: 'h', pass: 'hunter2hunter2' }) // { host: 'h', pass: '***r2' }
 */
export function maskConfig(config: ConfigObject): ConfigObject {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => {
      if (SECRET_KEY_PATTERN.test(k)) return [k, maskAll(v)];
      if (isPlainObject(v)) return [k, maskConfig(v)];
      return [k, v];
    }),
  );
}

/** Whether a value sent back by a client is a masked placeholder rather than a new secret. */
const looksMasked = (v: unknown): boolean => typeof v === 'string' && v.startsWith(MASK);

/**
 * Merges a config patch into the stored config: objects merge deeply, `null` removes a key, and a
 * masked value under a credential key (what a read returned) keeps the stored secret. A masked
 * value with nothing stored behind it is reported in `unknownMasked` (a client bug, not a secret).
 *
 * @example
 * mergeConfig({ host: 'a', pass: 'real-secret' }, { host: 'b', pass: '***et' })
 * // { config: { host: 'b', pass: 'real-secret' }, unknownMasked: [] }
 */
export function mergeConfig(
  stored: ConfigObject,
  patch: ConfigObject,
): { config: ConfigObject; unknownMasked: string[] } {
  const unknownMasked: string[] = [];
  const walk = (base: ConfigObject, p: ConfigObject, path: string[], secret: boolean): ConfigObject => {
    const out: ConfigObject = { ...base };
    for (const [k, v] of Object.entries(p)) {
      const here = [...path, k];
      const isSecret = secret || SECRET_KEY_PATTERN.test(k);
      if (v === null) delete out[k];
      else if (isSecret && (looksMasked(v) || (Array.isArray(v) && v.some(looksMasked)))) {
        if (!(k in base)) unknownMasked.push(['config', ...here].join('.'));
      } else if (isPlainObject(v) && isPlainObject(base[k])) out[k] = walk(base[k], v, here, isSecret);
      else if (isPlainObject(v) && isSecret) out[k] = walk({}, v, here, true);
      else out[k] = v;
    }
    return out;
  };
  return { config: walk(stored, patch, [], false), unknownMasked };
}
