import type { ProviderClient, SendOutcome, SendRequest } from '../../definition.ts';
import { mentionsOf } from '../../group-post.ts';
import type { Kit } from '../../kit/types.ts';
import { robotApi } from './api.ts';
import type { WecomRobotConfig } from './config.ts';
import type { WecomRobotContent } from './content.ts';
import { fileOf } from './file.ts';
import { type Built, mentionRefusal, messageOf } from './message.ts';

/**
 * The client of one WeCom group robot: each delivery is one post to the robot's group, its
 * receiver the post's mention list (pkg/channels/group-post.ts). A file is uploaded first and
 * posted by the `media_id` it got; the upload is made afresh for every attempt (an id lives three
 * days and belongs to this robot only, so there is little to share, and a retry after an
 * expired id then just works). WeCom returns no message id, has no recall and no receipts.
 *
 * @example
 * const client = createWecomRobotClient(wecomRobotConfig.parse({ key: '693a91f6-…' }), kit);
 * await client.send({ delivery: { ...d, receiver: 'ann,13800138000' }, template, content: { type: 'text', text: 'Deploy done' } });
 * // posts { msgtype: 'text', text: { content: 'Deploy done', mentioned_list: ['ann'], mentioned_mobile_list: ['13800138000'] } }
 */
export function createWecomRobotClient(
  config: WecomRobotConfig,
  kit: Kit,
): ProviderClient<WecomRobotContent> {
  const api = robotApi(config, kit);
  const md5 = (bytes: Buffer) => kit.signing.hash('md5', bytes).toString('hex');

  /** The post's body; for a file, after fetching and uploading it. */
  const build = async (req: SendRequest<WecomRobotContent>): Promise<Built> => {
    const c = req.content;
    const mentions = mentionsOf(req.delivery.receiver);
    if (c.type !== 'file') return messageOf(c, mentions, md5);
    // Refused before any download or upload: neither would help.
    const refused = mentionRefusal('file', mentions);
    if (refused) return refused;
    const file = await fileOf(c, kit);
    if (!file.ok) return file;
    const up = await api.upload(file.filename, file.bytes);
    if (!up.ok) return up;
    return { ok: true, message: { msgtype: 'file', file: { media_id: up.mediaId } } };
  };

  return Object.freeze({
    async send(req: SendRequest<WecomRobotContent>): Promise<SendOutcome> {
      const built = await build(req);
      if (!built.ok) return built;
      const r = await api.post(built.message);
      return r.ok ? { ok: true } : r;
    },
  });
}
