import type { ProviderDefinition } from '../../definition.ts';
import { createDingtalkRobotClient } from './client.ts';
import { DINGTALK_BASE_URL, type DingtalkRobotConfig, dingtalkRobotConfig } from './config.ts';
import { type DingtalkRobotContent, dingtalkRobotContent } from './content.ts';
import { DINGTALK_ROBOT_ERRORS } from './errors.ts';

export {
  DINGTALK_BASE_URL,
  type DingtalkRobotConfig,
  type DingtalkRobotContent,
  dingtalkRobotConfig,
  dingtalkRobotContent,
};

/**
 * DingTalk custom robot (钉钉自定义机器人, PROVIDERS.md §4): a group robot. Each message of a
 * send request is one post to the robot's group, mentioning the message's receivers (`@all`,
 * user ids, mobiles), signed when the robot's security setting is signing. At most 20 posts a
 * minute per robot; past that DingTalk locks the robot for 10 minutes (rate limited, retried
 * after the lock). No batch, recall or receipts, and no connection test: DingTalk has no robot
 * call without a side effect, any accepted call is a post in the group.
 *
 * @example
 * // account: { "channel": "dingtalk_robot", "provider": "dingtalk",
 * //   "config": { "accessToken": "f0e1…", "secret": "SEC5a…" } }
 * // template content: { "text": "Deploy {$version} done" }
 * // or { "type": "markdown", "title": "Deploy", "text": "## Deploy {$version} done" }
 */
export const dingtalkRobot = Object.freeze<ProviderDefinition<DingtalkRobotConfig, DingtalkRobotContent>>({
  channel: 'dingtalk_robot',
  provider: 'dingtalk',
  title: 'DingTalk custom robot (钉钉自定义机器人)',
  config: dingtalkRobotConfig,
  content: dingtalkRobotContent,
  receivers: ['mention'],
  groupPost: true,
  errors: DINGTALK_ROBOT_ERRORS,
  capabilities: { testConnection: false },
  create: (config, kit) => createDingtalkRobotClient(config, kit),
});
