import type { ProviderDefinition } from '../../definition.ts';
import { createWecomRobotClient } from './client.ts';
import { WECOM_ROBOT_BASE_URL, type WecomRobotConfig, wecomRobotConfig } from './config.ts';
import { type WecomRobotContent, wecomRobotContent } from './content.ts';
import { WECOM_ROBOT_ERRORS } from './errors.ts';
import { isFileFailure } from './file.ts';

export { WECOM_ROBOT_BASE_URL, type WecomRobotConfig, type WecomRobotContent, wecomRobotConfig };

/**
 * WeCom (WeChat Work) group robot: posts to the group its webhook key names, one post per
 * message, @-mentioning the message's receivers (user ids, mobiles or `@all`). Text, markdown,
 * JPG/PNG images, news cards and files (uploaded first). No batch, recall or receipts, and no
 * test call: WeCom documents no robot call that proves the key without posting to the group.
 *
 * @example
 * // account: { "channel": "wecom_robot", "provider": "wecom",
 * //   "config": { "key": "693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa" } }
 * // template content: { "text": "Deploy {$version} done" }
 * // or { "type": "markdown", "content": "**{$service}** is <font color=\"warning\">down</font>" }
 */
export const wecomRobot = Object.freeze<ProviderDefinition<WecomRobotConfig, WecomRobotContent>>({
  channel: 'wecom_robot',
  provider: 'wecom',
  title: 'WeCom group robot (企业微信群机器人)',
  config: wecomRobotConfig,
  content: wecomRobotContent,
  receivers: ['mention'],
  groupPost: true,
  errors: WECOM_ROBOT_ERRORS,
  capabilities: { recall: false, receipts: false, testConnection: false },
  // WeCom unwell opens the breaker; a file host that is down (FILE_…) does not.
  tripsBreaker: (f) => f.retryable && !f.rateLimited && !isFileFailure(f),
  create: (config, kit) => createWecomRobotClient(config, kit),
});
