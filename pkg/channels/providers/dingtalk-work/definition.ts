import type { ProviderDefinition } from '../../definition.ts';
import { createDingtalkWorkClient, DINGTALK_MAX_USERIDS } from './client.ts';
import { DINGTALK_BASE_URL, type DingtalkWorkConfig, dingtalkWorkConfig } from './config.ts';
import { type DingtalkWorkContent, dingtalkWorkContent } from './content.ts';
import { DINGTALK_WORK_ERRORS } from './errors.ts';

export { DINGTALK_BASE_URL, type DingtalkWorkConfig, dingtalkWorkConfig };

/**
 * DingTalk work notices (corpconversation, PROVIDERS.md §5): sent by an internal app to
 * employees by userid (`@all` = the whole company, `to_all_user`), up to 5000 receivers per
 * call. Every delivery of a call shares its `task_id`, which pulls the per-user results
 * (getsendresult) and recalls the call. The access token is shared through the kit's token
 * cache by every handler process.
 *
 * @example
 * // account: { "channel": "dingtalk_work", "provider": "dingtalk",
 * //   "config": { "appKey": "dingxxxx", "appSecret": "…", "agentId": 836390886 } }
 * // template content: { "text": "Order {$order} shipped" }
 */
export const dingtalkWork = Object.freeze<ProviderDefinition<DingtalkWorkConfig, DingtalkWorkContent>>({
  channel: 'dingtalk_work',
  provider: 'dingtalk',
  title: 'DingTalk work notice (钉钉工作通知)',
  config: dingtalkWorkConfig,
  content: dingtalkWorkContent,
  receivers: ['user_id'],
  errors: DINGTALK_WORK_ERRORS,
  capabilities: { batch: DINGTALK_MAX_USERIDS, recall: true, receipts: true, testConnection: true },
  create: (config, kit) => createDingtalkWorkClient(config, kit),
});
