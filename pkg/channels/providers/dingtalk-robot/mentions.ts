import { isMobileMention, mentionsOf } from '../../group-post.ts';

/**
 * How a group post's mention list (its delivery's receiver, pkg/channels/group-post.ts) becomes
 * DingTalk's `at` object (PROVIDERS.md §4.3): `@all` → `isAtAll`, mobiles → `atMobiles`, other
 * ids → `atUserIds`. DingTalk notifies those people, but highlights the mention only where the
 * text holds `@<mobile>` / `@<userId>` ◐, so the ones the template did not write itself are
 * appended to the text. `@all` needs no text: DingTalk marks the post for everyone.
 */

/** The `at` object of a robot/send body. */
export type RobotAt = Readonly<{ atMobiles?: string[]; atUserIds?: string[]; isAtAll?: boolean }>;

/** A post's mentions: the `at` object (absent: nobody) and the `@…` tags its text must hold. */
export type RobotMentions = Readonly<{ at?: RobotAt; tags: readonly string[] }>;

/** Mainland mobiles with their country code (`+86…`, `86…`): DingTalk knows members by the 11 digits. */
const CN_WITH_CODE = /^\+?86(1[3-9]\d{9})$/;

/**
 * A mobile in the form DingTalk holds it: mainland numbers as their 11 digits, others as given.
 *
 * @example dingtalkMobile('+8613800138000') // '13800138000'
 * @example dingtalkMobile('13800138000') // '13800138000'
 */
export const dingtalkMobile = (mobile: string): string => CN_WITH_CODE.exec(mobile)?.[1] ?? mobile;

/**
 * Whether a mention is a mobile. DingTalk userids are often all digits (`0241432523`), so
 * beyond {@link isMobileMention} a mobile is a mainland one (11 digits, with or without 86) or
 * written with `+`; other digit strings are userids.
 *
 * @example isDingtalkMobile('13800138000') // true
 * @example isDingtalkMobile('0241432523') // false (a userid)
 */
export const isDingtalkMobile = (id: string): boolean =>
  isMobileMention(id) && (id.startsWith('+') || /^(?:86)?1[3-9]\d{9}$/.test(id));

/**
 * The mentions of a post to `receiver` (a mention list as the platform writes it).
 *
 * @example robotMentions('ann,+8613800138000')
 * // { at: { atMobiles: ['13800138000'], atUserIds: ['ann'] }, tags: ['@13800138000', '@ann'] }
 * @example robotMentions('@all') // { at: { isAtAll: true }, tags: [] }
 * @example robotMentions('group') // { tags: [] }
 */
export function robotMentions(receiver: string): RobotMentions {
  const { all, ids } = mentionsOf(receiver);
  if (all) return { at: { isAtAll: true }, tags: [] };
  const mobiles = [...new Set(ids.filter(isDingtalkMobile).map(dingtalkMobile))];
  const userIds = [...new Set(ids.filter((id) => !isDingtalkMobile(id)))];
  if (mobiles.length === 0 && userIds.length === 0) return { tags: [] };
  return {
    at: {
      ...(mobiles.length ? { atMobiles: mobiles } : {}),
      ...(userIds.length ? { atUserIds: userIds } : {}),
    },
    tags: [...mobiles, ...userIds].map((id) => `@${id}`),
  };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every tag it does not already hold appended (a tag counts only as a whole:
 * `@ann` is not in `@anna`). Markdown gets them in a paragraph of their own.
 *
 * @example withTags('Build failed', ['@ann'], 'text') // 'Build failed @ann'
 * @example withTags('Build failed @ann', ['@ann'], 'text') // 'Build failed @ann'
 * @example withTags('## Build failed', ['@ann', '@bob'], 'markdown') // '## Build failed\n\n@ann @bob'
 */
export function withTags(text: string, tags: readonly string[], kind: 'text' | 'markdown'): string {
  const missing = tags.filter((t) => !new RegExp(`${escapeRegExp(t)}(?![A-Za-z0-9_.@+-])`).test(text));
  if (missing.length === 0) return text;
  return `${text}${kind === 'markdown' ? '\n\n' : ' '}${missing.join(' ')}`;
}
