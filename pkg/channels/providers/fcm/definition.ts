import type { ProviderDefinition } from '../../definition.ts';
import { createFcmClient } from './client.ts';
import { FCM_BASE_URL, type FcmConfig, fcmConfig, GOOGLE_TOKEN_URI } from './config.ts';
import { type FcmContent, fcmContent } from './content.ts';
import { FCM_ERRORS } from './errors.ts';

export { FCM_BASE_URL, type FcmConfig, fcmConfig, GOOGLE_TOKEN_URI };

/**
 * Firebase Cloud Messaging, HTTP v1: a notification to one app instance per device
 * (registration) token, authorised by an OAuth access token the project's service account
 * obtains with a signed JWT. No batch, recall or receipts in the v1 send API (PROVIDERS.md §12).
 *
 * @example
 * // account: { "channel": "push", "provider": "fcm", "config": { "projectId": "my-app",
 * //   "clientEmail": "push@my-app.iam.gserviceaccount.com", "privateKey": "-----BEGIN PRIVATE KEY-----\n…" } }
 * // template content: { "title": "Order {$order}", "body": "It has shipped", "clickAction": "https://shop.example/o/{$order}", "badge": "{$unread}" }
 */
export const fcmPush = Object.freeze<ProviderDefinition<FcmConfig, FcmContent>>({
  channel: 'push',
  provider: 'fcm',
  title: 'Firebase Cloud Messaging (FCM 推送)',
  config: fcmConfig,
  content: fcmContent,
  receivers: ['device_token'],
  errors: FCM_ERRORS,
  capabilities: { testConnection: true },
  create: (config, kit) => createFcmClient(config, kit),
});
