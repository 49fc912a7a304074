import type { z } from 'zod';
import { type Catalog, catalog as platformCatalog } from '../channels/catalog.ts';
import type { ProviderDefinition } from '../channels/definition.ts';
import { isSecretPath, type SecretPath } from '../channels/secret.ts';
import type { Channel } from '../domain/channels.ts';
import { JSON_LIMITS, jsonLimitIssue } from '../domain/limits.ts';
import { maskUrlCredentials } from './url-credentials.ts';

/**
 * Pure rules of channel-account configs, all derived from the provider's definition: which
 * providers exist, the shape of each config, which fields are secret (the schema's `secret()`
 * marks: no key-name guessing), how secrets are masked in reads, and how a patch merges into the
 * stored config without a masked value ever overwriting the real secret.
 */

/** How every secret shows in reads and logs. Nothing of the value is revealed. */
export const MASK = '***';
/** Sealed (base64, +1/3) it must fit the TEXT column (64 KiB): the input limit of configs. */
export const MAX_CONFIG_BYTES = JSON_LIMITS.config.maxBytes;

export type ConfigObject = Record<string, unknown>;
export type ConfigIssue = { path: string; message: string; code?: string };

const zodIssues = (prefix: string, error: z.ZodError): ConfigIssue[] =>
  error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));

/**
 * The provider of an account, or the 422 issue naming what exists. A provider that is not in the
 * list is never accepted (no account that could only dead-letter).
 *
 * @example providerOf('email', 'smtp').ok // true
 * @example providerOf('sms', 'nope') // { ok: false, issues: [{ path: 'provider', message: 'channel sms has no provider yet' }] }
 */
export function providerOf(
  channel: Channel,
  provider: string,
  catalog: Catalog = platformCatalog,
): { ok: true; definition: ProviderDefinition } | { ok: false; issues: ConfigIssue[] } {
  const d = catalog.find(channel, provider);
  if (d) return { ok: true, definition: d };
  const names = catalog.providersOf(channel);
  const message = names.length
    ? `channel ${channel} takes provider ${names.join(', ')}`
    : `channel ${channel} has no provider yet (see GET /v1/admin/providers)`;
  return { ok: false, issues: [{ path: 'provider', message }] };
}

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
  catalog: Catalog = platformCatalog,
): { ok: true; config: ConfigObject } | { ok: false; issues: ConfigIssue[] } {
  const p = providerOf(channel, provider, catalog);
  if (!p.ok) return p;
  // First, before anything walks it: a merged config may carry a stored value past the limits.
  const limit = jsonLimitIssue(config, JSON_LIMITS.config);
  if (limit) {
    const path = ['config', ...limit.path.map(String)].join('.');
    return { ok: false, issues: [{ path, message: limit.message, code: limit.code }] };
  }
  const r = p.definition.config.safeParse(config);
  if (!r.success) return { ok: false, issues: zodIssues('config', r.error) };
  // What was given is stored, not the parsed value with every default filled in: a default
  // changed in a later release then reaches existing accounts (senders parse the config again).
  return { ok: true, config: config as ConfigObject };
}

/**
 * Checks a template's content against its provider's content schema; returns the normalised
 * content or issues with `content.`-prefixed paths.
 *
 * @example validateTemplateContent(smtp, { subject: 'Hi', text: 'Hello {$name}' }).ok // true
 */
export function validateTemplateContent(
  definition: ProviderDefinition,
  content: unknown,
): { ok: true; content: unknown } | { ok: false; issues: ConfigIssue[] } {
  const r = definition.content.safeParse(content);
  return r.success ? { ok: true, content: r.data } : { ok: false, issues: zodIssues('content', r.error) };
}

const isPlainObject = (v: unknown): v is ConfigObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The config with every secret field masked (`***`; an absent or empty secret stays as it is, so
 * a form can tell "set" from "not set"). Everything under a secret object or list is masked; a
 * URL elsewhere shows its userinfo and token parameters masked (see url-credentials.ts).
 *
 * @example maskConfig({ host: 'h', pass: 'hunter2' }, [['pass']]) // { host: 'h', pass: '***' }
 */
export function maskConfig(config: ConfigObject, paths: readonly SecretPath[]): ConfigObject {
  const walk = (v: unknown, path: string[]): unknown => {
    if (isSecretPath(paths, path)) return v === undefined || v === null || v === '' ? v : MASK;
    if (typeof v === 'string') return maskUrlCredentials(v, MASK) ?? v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, String(i)]));
    if (isPlainObject(v))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  // The root itself is never replaced (a read always answers an object).
  return Object.fromEntries(Object.entries(config).map(([k, x]) => [k, walk(x, [k])]));
}

/**
 * Merges a config patch into the stored config: objects merge deeply, `null` removes a key, and
 * `***` (what a read returned) under a secret field keeps the stored secret, as does a URL sent
 * back with its credentials masked. A masked value with
 * nothing stored behind it is reported in `unknownMasked` (a client bug, not a secret).
 *
 * @example
 * mergeConfig({ host: 'a', pass: 'real-secret' }, { host: 'b', pass: '***' }, [['pass']])
 * // { config: { host: 'b', pass: 'real-secret' }, unknownMasked: [] }
 */
export function mergeConfig(
  stored: ConfigObject,
  patch: ConfigObject,
  paths: readonly SecretPath[],
): { config: ConfigObject; unknownMasked: string[] } {
  const unknownMasked: string[] = [];
  const walk = (base: ConfigObject, p: ConfigObject, path: string[]): ConfigObject => {
    const out: ConfigObject = { ...base };
    for (const [k, v] of Object.entries(p)) {
      const here = [...path, k];
      if (v === null) delete out[k];
      else if (
        typeof v === 'string' &&
        typeof base[k] === 'string' &&
        v === maskUrlCredentials(base[k], MASK)
      ) {
        // A URL sent back as read (its credentials masked): the stored one stays.
      } else if (isSecretPath(paths, here) && v === MASK) {
        if (!Object.hasOwn(base, k)) unknownMasked.push(['config', ...here].join('.'));
      } else if (
        Array.isArray(v) &&
        v.some((x, i) => x === MASK && isSecretPath(paths, [...here, String(i)]))
      ) {
        // A list of secrets sent back as read: each `***` keeps the stored element at its place.
        const old = Array.isArray(base[k]) ? (base[k] as unknown[]) : [];
        out[k] = v.map((x, i) => {
          if (x !== MASK || !isSecretPath(paths, [...here, String(i)])) return x;
          if (i >= old.length) unknownMasked.push(['config', ...here, String(i)].join('.'));
          return old[i];
        });
      } else if (isPlainObject(v) && isPlainObject(base[k])) out[k] = walk(base[k], v, here);
      else out[k] = v;
    }
    return out;
  };
  return { config: walk(stored, patch, []), unknownMasked };
}
