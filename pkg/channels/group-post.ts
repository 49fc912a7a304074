/**
 * Group robots (DingTalk, WeCom and Feishu robots) post once per message to the group their
 * account's webhook names (DESIGN.md "Channel providers"): the message is one delivery whose
 * receiver is the group post's mention list, written as the mentions joined by `,` (`@all` for
 * everyone), or {@link NO_MENTION} for a post that mentions nobody. Traces and receiver lookups
 * show that list; the robot's client reads it back with {@link mentionsOf}.
 */

/** The receiver of a group post that @-mentions nobody. */
export const NO_MENTION = 'group';

/** Most people one post may mention (the receiver stays a short string). */
export const MAX_MENTIONS = 100;

/**
 * The receiver of one group post mentioning `mentions` (already validated receivers).
 *
 * @example groupReceiver(['ann', '13800138000']) // 'ann,13800138000'
 * @example groupReceiver([]) // 'group'
 */
export function groupReceiver(mentions: readonly string[]): string {
  const list = [...new Set(mentions.filter((m) => m && m !== NO_MENTION))];
  if (list.includes('@all')) return '@all';
  return list.length ? list.join(',') : NO_MENTION;
}

/**
 * The mentions of a group post's receiver: everyone (`all`), or the ids/mobiles named.
 *
 * @example mentionsOf('ann,13800138000') // { all: false, ids: ['ann', '13800138000'] }
 * @example mentionsOf('@all') // { all: true, ids: [] }
 * @example mentionsOf('group') // { all: false, ids: [] }
 */
export function mentionsOf(receiver: string): Readonly<{ all: boolean; ids: readonly string[] }> {
  const parts = receiver
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && p !== NO_MENTION);
  return { all: parts.includes('@all'), ids: parts.filter((p) => p !== '@all') };
}

/**
 * Whether a receiver is a mobile number (robots mention mobiles and user ids differently).
 *
 * @example isMobileMention('13800138000') // true
 * @example isMobileMention('+8613800138000') // true
 */
export const isMobileMention = (id: string): boolean => /^\+?\d{6,15}$/.test(id);
