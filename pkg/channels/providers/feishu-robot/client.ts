import type { ProviderClient, SendOutcome, SendRequest } from '../../definition.ts';
import { failure } from '../../definition.ts';
import { mentionsOf } from '../../group-post.ts';
import type { HttpResponse, Kit } from '../../kit/types.ts';
import { answerOutcome, transportOutcome } from './api.ts';
import { type FeishuRobotConfig, hookUrl } from './config.ts';
import { type FeishuRobotContent, MAX_BODY_BYTES } from './content.ts';
import { BODY_TOO_LARGE, FEISHU_ROBOT_ERRORS } from './errors.ts';
import { feishuBody } from './message.ts';
import { signFields } from './sign.ts';

/**
 * The client of one Feishu custom bot: one post per delivery to the bot's group, mentioning the
 * delivery's receivers (pkg/channels/group-post.ts). Signed with the kit's clock when the account
 * has a secret. No batch, recall, receipts or connection test: the webhook has none (recalling
 * is for the group's owner, the guide says), and any call to it would post or be refused.
 *
 * @example
 * const client = createFeishuRobotClient(feishuRobotConfig.parse({ hookId, secret }), kit);
 * await client.send({ delivery, template, content: { type: 'text', text: 'Deploy done' } });
 * // { ok: true }
 */
export function createFeishuRobotClient(
  config: FeishuRobotConfig,
  kit: Kit,
): ProviderClient<FeishuRobotContent> {
  const url = hookUrl(config);
  const secrets = [config.hookId, ...(config.secret ? [config.secret] : [])];

  async function send(req: SendRequest<FeishuRobotContent>): Promise<SendOutcome> {
    const built = feishuBody(req.content, mentionsOf(req.delivery.receiver));
    if (!built.ok) return built;
    // The signature fields first, as the guide's example writes them.
    const payload = config.secret ? { ...signFields(kit.now(), config.secret), ...built.body } : built.body;
    const body = JSON.stringify(payload);
    const size = Buffer.byteLength(body, 'utf8');
    if (size > MAX_BODY_BYTES) {
      return failure(
        FEISHU_ROBOT_ERRORS,
        BODY_TOO_LARGE,
        `the rendered body is ${size} bytes, over the ${MAX_BODY_BYTES} Feishu takes`,
      );
    }
    let res: HttpResponse;
    try {
      res = await kit.http.request({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        timeoutMs: config.timeoutMs,
      });
    } catch (err) {
      return transportOutcome(err, secrets);
    }
    return answerOutcome(res, secrets);
  }

  return Object.freeze({ send });
}
