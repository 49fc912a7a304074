import type { Channel } from './channels.ts';

/** Kinds of receiver ids a channel accepts. */
export type ReceiverKind =
  | 'email'
  | 'phone'
  | 'open_id'
  | 'user_id'
  | 'device_token'
  | 'url'
  /** Someone a group robot's post @-mentions: `@all`, a user id or a mobile number. */
  | 'mention'
  /** An Alipay user: `2088` + 12 digits (user_id) or an Alipay open id. */
  | 'alipay_user'
  | 'any';

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
/** E.164: `+`, country code not starting with 0, 8–15 digits in all. */
const E164 = /^\+[1-9]\d{7,14}$/;
/** Mainland China mobile: 11 digits starting 13–19, optionally `+86`/`86` prefixed. */
const CN_MOBILE = /^(?:\+?86)?1[3-9]\d{9}$/;
const OPEN_ID = /^[A-Za-z0-9_-]{6,64}$/;
const USER_ID = /^(?:@all|[A-Za-z0-9_.@-]{1,64})$/;
const DEVICE_TOKEN = /^[A-Za-z0-9:_.-]{8,256}$/;
/** A mention: `@all`, or a user id / mobile (no `,`: mentions of one post are joined by it). */
const MENTION = /^(?:@all|[A-Za-z0-9_.@+-]{1,64})$/;
const ALIPAY_USER = /^(?:2088\d{12}|[A-Za-z0-9_-]{20,64})$/;

/** @example isPhone('+8613800138000') // true; isPhone('13800138000') // true */
export const isPhone = (v: string): boolean => E164.test(v) || CN_MOBILE.test(v);

function isUrl(v: string): boolean {
  if (!/^https?:\/\//i.test(v) || v.length > 2048) return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

const CHECKS: Readonly<Record<ReceiverKind, (v: string) => boolean>> = {
  email: (v) => v.length <= 254 && EMAIL.test(v),
  phone: isPhone,
  open_id: (v) => OPEN_ID.test(v),
  user_id: (v) => USER_ID.test(v),
  device_token: (v) => DEVICE_TOKEN.test(v),
  url: isUrl,
  mention: (v) => MENTION.test(v),
  alipay_user: (v) => ALIPAY_USER.test(v),
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  any: (v) => v.length > 0 && v.length <= 256 && !/[\u0000-\u001f\u007f]/.test(v),
};

/**
 * Whether `receiver` is a valid id of one of `kinds` (a channel's kinds come from its providers:
 * pkg/channels/catalog.ts).
 *
 * @example isReceiverOfKinds(['email'], 'a@x.com') // true
 * @example isReceiverOfKinds(['phone'], '12345') // false
 */
export function isReceiverOfKinds(kinds: readonly ReceiverKind[], receiver: unknown): receiver is string {
  if (typeof receiver !== 'string') return false;
  return kinds.some((k) => CHECKS[k](receiver));
}

/**
 * Normal form used for dedup keys and traces: emails lower-cased, mainland mobiles in E.164.
 *
 * @example normalizeReceiver('sms', '13800138000') // '+8613800138000'
 */
export function normalizeReceiver(channel: Channel, receiver: string): string {
  const r = receiver.trim();
  if (channel === 'email') return r.toLowerCase();
  if (channel === 'sms' && CN_MOBILE.test(r)) return `+86${r.slice(-11)}`;
  return r;
}

/**
 * The receiver as a delivery carries it to the provider: an email address as the caller wrote
 * it (its local part may be case-sensitive at the receiving server), a mainland mobile in E.164
 * (each SMS provider then writes it in its own form, pkg/channels/sms/phone.ts); trimmed.
 * Listings, dedup and whitelists compare the {@link normalizeReceiver} form.
 *
 * @example providerForm('email', ' Ann@Example.com ') // 'Ann@Example.com'
 * @example providerForm('sms', '13800138000') // '+8613800138000'
 */
export function providerForm(channel: Channel, receiver: string): string {
  return channel === 'email' ? receiver.trim() : normalizeReceiver(channel, receiver);
}

/**
 * The stored form of a receiver a caller looks up, whatever channel it belongs to: a mainland
 * mobile in any of its forms (`13800138000`, `8613800138000`, `+8613800138000`) is E.164, an
 * email address lower-cased (as {@link normalizeReceiver} stores them); others as given.
 *
 * @example lookupForm('13800138000') // '+8613800138000'
 * @example lookupForm('Ann@Example.com') // 'ann@example.com'
 */
export function lookupForm(receiver: string): string {
  const r = receiver.trim();
  if (CN_MOBILE.test(r)) return `+86${r.slice(-11)}`;
  if (EMAIL.test(r)) return r.toLowerCase();
  return r;
}
