import { z } from 'zod';
import { STATES, type State } from '../domain/states.ts';

/**
 * What an app's status-callback settings are: the URL, the lifecycle states it wants, and the
 * rules both must follow. Pure (no I/O), shared by the apps repository (validation on save) and
 * the poster (what to post).
 */

/**
 * States posted when an app sets a callback URL without naming states.
 *
 * @example DEFAULT_CALLBACK_STATES.includes('delivered') // true
 */
export const DEFAULT_CALLBACK_STATES: readonly State[] = Object.freeze([
  'sent',
  'failed',
  'delivered',
  'read',
  'recalled',
]);

/** Longest callback URL (the column is varchar(2048)). @example url.length <= MAX_CALLBACK_URL */
export const MAX_CALLBACK_URL = 2048;

/**
 * A callback URL: absolute http(s), at most 2048 characters, no `user:pass@` (callbacks are
 * authenticated by their signature; a password in the URL would show in every read). Whether
 * the host may be a private address is checked by the repository, which knows the platform rule.
 *
 * @example callbackUrlSchema.parse('https://shop.example.com/push-status') // ok
 * @example callbackUrlSchema.safeParse('ftp://x').success // false
 */
export const callbackUrlSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_CALLBACK_URL)
  .superRefine((text, ctx) => {
    const why = urlProblem(text);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });

function urlProblem(text: string): string | undefined {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http or https URL';
  if (u.username || u.password) return 'must not contain credentials; callbacks are signed instead';
  return undefined;
}

/**
 * The wanted states: known lifecycle states, at least one, duplicates dropped (order kept).
 *
 * @example callbackStatesSchema.parse(['sent', 'sent', 'failed']) // ['sent', 'failed']
 */
export const callbackStatesSchema = z
  .array(z.enum(STATES))
  .min(1)
  .max(STATES.length * 2)
  .transform((states) => [...new Set(states)]);

/**
 * The states column text (a comma list).
 *
 * @example encodeStates(['sent', 'failed']) // 'sent,failed'
 */
export const encodeStates = (states: readonly State[]): string => states.join(',');

/**
 * The states of a column text; unknown names (a state renamed since) are skipped.
 *
 * @example decodeStates('sent,failed') // ['sent', 'failed']
 */
export function decodeStates(text: string | null): State[] {
  if (!text) return [];
  return text.split(',').filter((s): s is State => (STATES as readonly string[]).includes(s));
}

/**
 * The part of a secret shown in reads to tell secrets apart (`whsec_` and 4 characters).
 *
 * @example secretHint('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw') // 'whsec_MfKQ'
 */
export const secretHint = (secret: string): string => secret.slice(0, 10);

/**
 * What the poster needs of an app with callbacks on.
 *
 * @example { callbackUrl: 'https://shop.example.com/status', callbackStates: ['sent'], callbackSecret: 'whsec_…' }
 */
export type CallbackTarget = Readonly<{
  callbackUrl: string;
  callbackStates: readonly State[];
  /** The `whsec_…` signing secret, opened; never logged. */
  callbackSecret: string;
}>;

/**
 * A URL as logs may show it: scheme, host and port only (paths and queries may hold tokens).
 *
 * @example logSafeUrl('https://u:p@hooks.example.com:8443/x?token=1') // 'https://hooks.example.com:8443'
 */
export function logSafeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid url)';
  }
}
