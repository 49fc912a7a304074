import type { ErrorClass, ProviderClient, SendOutcome } from '../../definition.ts';
import { asHttpError } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { HttpResponse, Kit } from '../../kit/types.ts';
import { type DingtalkRobotConfig, ROBOT_SEND_PATH } from './config.ts';
import { type DingtalkRobotContent, MENTIONABLE, type RobotMessageBody, toRobotMessage } from './content.ts';
import { BAD_RESPONSE, MENTION_UNSUPPORTED, robotFailure } from './errors.ts';
import { type RobotMentions, robotMentions, withTags } from './mentions.ts';
import { signedQuery } from './sign.ts';

/**
 * The robot/send body of one post: the message, its mentions (`at`, and the `@…` tags written
 * into text and markdown) and `msgUuid`, DingTalk's idempotency key: the delivery id, so a retry
 * after a timeout carries the same key and DingTalk does not post it twice.
 *
 * @example robotBody({ type: 'text', text: 'Deploy done' }, robotMentions('ann'), 'm1')
 * // { msgtype: 'text', text: { content: 'Deploy done @ann' }, at: { atUserIds: ['ann'] }, msgUuid: 'm1' }
 */
export function robotBody(
  content: DingtalkRobotContent,
  mentions: RobotMentions,
  msgUuid: string,
): RobotMessageBody {
  const tagged: DingtalkRobotContent =
    content.type === 'text' || content.type === 'markdown'
      ? { ...content, text: withTags(content.text, mentions.tags, content.type) }
      : content;
  return { ...toRobotMessage(tagged), ...(mentions.at ? { at: mentions.at } : {}), msgUuid };
}

/** Class of an answer that is not DingTalk's JSON, by HTTP status. */
const statusClass = (status: number): ErrorClass =>
  status === 429 ? 'rate_limited' : status >= 500 ? 'retryable' : 'permanent';

/**
 * The client of one DingTalk custom robot: one post per delivery to the robot's group
 * (`POST /robot/send?access_token=…`, signed with `timestamp` + `sign` when the account has the
 * robot's secret), mentioning the delivery's receivers. DingTalk answers HTTP 200 with
 * `{ errcode, errmsg }`, errcode 0 for a post made. No batch (one post is one group message), no
 * recall, no receipts. No `testConnection` either: every robot call posts into the group, so
 * there is nothing to call that proves the token and secret without a message appearing.
 *
 * @example
 * const client = createDingtalkRobotClient(dingtalkRobotConfig.parse({ accessToken: 't', secret: 'SEC…' }), kit);
 * await client.send({ delivery, template, content: { type: 'text', text: 'Deploy done' } }); // { ok: true }
 */
export function createDingtalkRobotClient(
  config: DingtalkRobotConfig,
  kit: Kit,
): ProviderClient<DingtalkRobotContent> {
  const endpoint = `${config.baseUrl.replace(/\/+$/, '')}${ROBOT_SEND_PATH}?access_token=${encodeURIComponent(config.accessToken)}`;
  const secrets = [config.accessToken, ...(config.secret ? [config.secret] : [])];
  const clean = (text: string): string => scrub(text, secrets);

  const read = (res: HttpResponse): SendOutcome => {
    const body = res.json() as { errcode?: unknown; errmsg?: unknown } | undefined;
    const errmsg = typeof body?.errmsg === 'string' ? clean(body.errmsg) : '';
    if (res.status !== 200) {
      const text = errmsg || clean(res.body.slice(0, 200)) || `HTTP ${res.status}`;
      return robotFailure(`HTTP_${res.status}`, text, { fallback: statusClass(res.status) });
    }
    if (!body || typeof body !== 'object' || typeof body.errcode !== 'number') {
      // A 200 that is not DingTalk's answer came from something in between, after the request
      // went out: the post may exist, so retry on this robot only (msgUuid keeps it single).
      return robotFailure(BAD_RESPONSE, 'answer is not a DingTalk errcode object', { inDoubt: true });
    }
    if (body.errcode !== 0) return robotFailure(String(body.errcode), errmsg);
    return { ok: true };
  };

  const post = async (body: RobotMessageBody): Promise<SendOutcome> => {
    // Signed at send time with the kit's clock: DingTalk refuses a timestamp an hour off.
    const url = config.secret ? `${endpoint}&${signedQuery(kit.now(), config.secret)}` : endpoint;
    try {
      const res = await kit.http.request({
        method: 'POST',
        url,
        // DingTalk requires the body in UTF-8 (§4.1): say so rather than leave it implied.
        headers: { 'content-type': 'application/json; charset=utf-8' },
        json: body,
        timeoutMs: config.timeoutMs,
      });
      return read(res);
    } catch (err) {
      const e = asHttpError(err);
      return robotFailure(e.code, clean(e.message), { fallback: e.retryable ? 'retryable' : 'permanent' });
    }
  };

  return Object.freeze({
    async send({ delivery, content }): Promise<SendOutcome> {
      const mentions = robotMentions(delivery.receiver);
      if (mentions.at && !MENTIONABLE.has(content.type)) {
        // Posting without them would leave a trace that says they were mentioned.
        return robotFailure(
          MENTION_UNSUPPORTED,
          `a ${content.type} post cannot @-mention anyone: send it as text or markdown, or to the group alone`,
        );
      }
      return post(robotBody(content, mentions, delivery.id));
    },
  });
}
