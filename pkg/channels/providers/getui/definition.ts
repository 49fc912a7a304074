import type { ProviderDefinition } from '../../definition.ts';
import { createGetuiClient, GETUI_MAX_LIST_CIDS } from './client.ts';
import { type GetuiConfig, getuiBaseUrl, getuiConfig } from './config.ts';
import { type PushContent, pushContent } from './content.ts';
import { GETUI_ERRORS } from './errors.ts';

export { type GetuiConfig, getuiBaseUrl, getuiConfig, type PushContent, pushContent };

/**
 * GeTui (个推) push notifications, REST API v2: a notification to app installs by cid, one by
 * single push, up to 1000 per call by list push. The auth token (a day long) is shared through
 * the kit's token cache by every handler process and refreshed once when GeTui answers 10001.
 *
 * @example
 * // account: { "channel": "push", "provider": "getui",
 * //   "config": { "appId": "a1B2c3", "appKey": "k1…", "masterSecret": "…" } }
 * // template content: { "title": "Order {$order}", "body": "Shipped", "url": "https://shop.test/o/{$order}" }
 */
export const getuiPush = Object.freeze<ProviderDefinition<GetuiConfig, PushContent>>({
  channel: 'push',
  provider: 'getui',
  title: 'GeTui push (个推)',
  config: getuiConfig,
  content: pushContent,
  receivers: ['device_token'],
  errors: GETUI_ERRORS,
  capabilities: { batch: GETUI_MAX_LIST_CIDS, testConnection: true },
  create: (config, kit) => createGetuiClient(config, kit),
});
