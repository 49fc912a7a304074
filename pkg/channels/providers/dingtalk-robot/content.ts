import { z } from 'zod';

/**
 * The content of a DingTalk custom robot template (PROVIDERS.md §4.3), fields named as DingTalk
 * names them (`messageUrl` in a link, `messageURL` in a feed card: DingTalk's own spellings).
 * Strings may hold `{$placeholders}` (rendered before the client sees them), so URLs are checked
 * as strings only. DingTalk publishes no verified length limits for robots (§4.3 ❓); the caps
 * here only keep a runaway template from building a huge post.
 */

const TEXT_MAX = 20_000;
const TITLE_MAX = 256;
const URL_MAX = 2048;

const str = (max: number) => z.string().min(1).max(max);
const url = str(URL_MAX);

const textMessage = z.object({ type: z.literal('text'), text: str(TEXT_MAX) }).strict();

const markdownMessage = z
  .object({ type: z.literal('markdown'), title: str(TITLE_MAX), text: str(TEXT_MAX) })
  .strict();

const linkMessage = z
  .object({
    type: z.literal('link'),
    title: str(TITLE_MAX),
    text: str(TEXT_MAX),
    messageUrl: url,
    picUrl: url.optional(),
  })
  .strict();

const button = z.object({ title: str(TITLE_MAX), actionURL: url }).strict();

/**
 * An action card: either one button for the whole card (`singleTitle` + `singleURL`), or its
 * own buttons (`btns`). `btnOrientation` `"0"` stacks buttons, `"1"` lays them side by side.
 */
const actionCardMessage = z
  .object({
    type: z.literal('actionCard'),
    title: str(TITLE_MAX),
    text: str(TEXT_MAX),
    singleTitle: str(TITLE_MAX).optional(),
    singleURL: url.optional(),
    btns: z.array(button).min(1).max(10).optional(),
    btnOrientation: z.enum(['0', '1']).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const whole = c.singleTitle !== undefined || c.singleURL !== undefined;
    if (whole && c.btns) {
      ctx.addIssue({
        code: 'custom',
        message: 'either singleTitle/singleURL or btns, not both',
        path: ['btns'],
      });
    } else if (whole && (c.singleTitle === undefined || c.singleURL === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'singleTitle and singleURL go together', path: ['singleURL'] });
    } else if (!whole && !c.btns) {
      ctx.addIssue({
        code: 'custom',
        message: 'an action card needs singleTitle/singleURL or btns',
        path: ['btns'],
      });
    }
  });

const feedLink = z.object({ title: str(TITLE_MAX), messageURL: url, picURL: url.optional() }).strict();

const feedCardMessage = z
  .object({ type: z.literal('feedCard'), links: z.array(feedLink).min(1).max(10) })
  .strict();

const message = z.discriminatedUnion('type', [
  textMessage,
  markdownMessage,
  linkMessage,
  actionCardMessage,
  feedCardMessage,
]);

/**
 * DingTalk robot content: `{ "text": "…" }` is shorthand for a text message; the others name
 * their `type` (`markdown`, `link`, `actionCard`, `feedCard`).
 *
 * @example dingtalkRobotContent.parse({ text: 'Build {$n} passed' }) // { type: 'text', text: 'Build {$n} passed' }
 * @example dingtalkRobotContent.parse({ type: 'markdown', title: 'Build', text: '## Build {$n} passed' })
 */
export const dingtalkRobotContent = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { type: 'text', ...v } : v),
  message,
);

export type DingtalkRobotContent = z.output<typeof message>;

/** Content types whose post can @-mention people (DingTalk reads `at` for these only). */
export const MENTIONABLE: ReadonlySet<DingtalkRobotContent['type']> = new Set(['text', 'markdown']);

/** The message part of a robot/send body: `msgtype` and its object. */
export type RobotMessageBody = { msgtype: string } & Record<string, unknown>;

/**
 * The robot/send fields of a (rendered) content, mentions aside (see mentions.ts).
 *
 * @example toRobotMessage({ type: 'text', text: 'Hi' }) // { msgtype: 'text', text: { content: 'Hi' } }
 * @example toRobotMessage({ type: 'feedCard', links: [l] }) // { msgtype: 'feedCard', feedCard: { links: [l] } }
 */
export function toRobotMessage(c: DingtalkRobotContent): RobotMessageBody {
  switch (c.type) {
    case 'text':
      return { msgtype: 'text', text: { content: c.text } };
    case 'markdown':
      return { msgtype: 'markdown', markdown: { title: c.title, text: c.text } };
    case 'link': {
      const { type: _, ...link } = c;
      return { msgtype: 'link', link };
    }
    case 'actionCard': {
      const { type: _, ...card } = c;
      return { msgtype: 'actionCard', actionCard: card };
    }
    case 'feedCard':
      return { msgtype: 'feedCard', feedCard: { links: c.links } };
  }
}
