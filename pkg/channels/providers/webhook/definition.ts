import type { ProviderDefinition } from '../../definition.ts';
import { createWebhookClient } from './client.ts';
import { WEBHOOK_ERRORS } from './errors.ts';
import { type WebhookConfig, type WebhookContent, webhookConfig, webhookContent } from './schema.ts';

export { type WebhookConfig, type WebhookContent, webhookConfig, webhookContent };

/** The breaker scope of a receiver: its host (and port), so one dead endpoint holds back only itself. */
function targetHost(receiver: string): string {
  try {
    return new URL(receiver).host;
  } catch {
    // Never the receiver itself: it may carry credentials, and scopes show up in metrics.
    return 'invalid-url';
  }
}

/**
 * The webhook channel: a signed JSON POST (Standard Webhooks v1) to the receiver URL, with an
 * SSRF guard per account and redirects never followed.
 *
 * @example providers.push(webhook); // the lead's explicit provider list
 */
export const webhook: ProviderDefinition<WebhookConfig, WebhookContent> = Object.freeze<
  ProviderDefinition<WebhookConfig, WebhookContent>
>({
  channel: 'webhook',
  provider: 'webhook',
  title: 'Webhook (Standard Webhooks)',
  config: webhookConfig,
  content: webhookContent,
  receivers: ['url'],
  errors: WEBHOOK_ERRORS,
  capabilities: { testConnection: false },
  breakerScope: targetHost,
  create: (config, kit) => createWebhookClient(config, kit),
});
