import type { ProviderDefinition } from '../../definition.ts';
import { createFeishuRobotClient } from './client.ts';
import { FEISHU_BASE_URL, type FeishuRobotConfig, feishuRobotConfig } from './config.ts';
import { type FeishuRobotContent, feishuRobotContent } from './content.ts';
import { FEISHU_ROBOT_ERRORS } from './errors.ts';

export { FEISHU_BASE_URL, type FeishuRobotConfig, feishuRobotConfig };

/**
 * Feishu/Lark custom bot (自定义机器人): posts to the one group the bot's webhook belongs to.
 * A message of a send request is one post whose receivers are the people it @-mentions (`@all`
 * for everyone; open_ids or user_ids), signed (HMAC-SHA256, timestamp in seconds) when the bot
 * has a secret. Text, rich-text posts, cards, images and group cards.
 *
 * @example
 * // account: { "channel": "feishu_robot", "provider": "feishu",
 * //   "config": { "hookId": "2f1e…", "secret": "mR4d…" } }
 * // template content: { "text": "Build {$build} failed" }
 * // send: { "messages": [{ "receivers": ["ou_7d8a…", "@all"], "variables": { "build": "42" } }] }
 */
export const feishuRobot = Object.freeze<ProviderDefinition<FeishuRobotConfig, FeishuRobotContent>>({
  channel: 'feishu_robot',
  provider: 'feishu',
  title: 'Feishu/Lark custom bot (飞书自定义机器人)',
  config: feishuRobotConfig,
  content: feishuRobotContent,
  receivers: ['mention'],
  groupPost: true,
  errors: FEISHU_ROBOT_ERRORS,
  capabilities: { testConnection: false },
  create: (config, kit) => createFeishuRobotClient(config, kit),
});
