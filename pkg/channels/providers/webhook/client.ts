import type { ProviderClient, SendOutcome, SendRequest } from '../../definition.ts';
import { failure } from '../../definition.ts';
import { webhookHeaders } from '../../kit/standard-webhooks.ts';
import type { Kit } from '../../kit/types.ts';
import { WEBHOOK_ERRORS } from './errors.ts';
import { mergeHeaders } from './headers.ts';
import { responseOutcome, transportOutcome } from './outcome.ts';
import type { WebhookConfig, WebhookContent } from './schema.ts';

/** The `user-agent` of every webhook call (receivers allowlist or log it). */
export const WEBHOOK_USER_AGENT = 'pushline-webhook/1';

/** The receiver as a URL we may post to (http/https only), or `undefined`. */
function parseTarget(receiver: string): URL | undefined {
  try {
    const u = new URL(receiver);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The client of one webhook account: POSTs the rendered body as JSON to the receiver URL,
 * signed per Standard Webhooks with the account secret. `webhook-id` is the message id, so it
 * stays the same across retries (receivers dedupe on it); the timestamp is each attempt's.
 *
 * Receivers are caller-chosen URLs, so sends go through the kit's guarded client (SSRF guard on
 * the resolved addresses at connect time, redirects never followed), or its plain one when the
 * account allows private networks (on-premise targets). Both are the process's shared keep-alive
 * clients. `user:pass@` in a receiver URL is sent as Basic auth by the kit.
 *
 * @example
 * const client = createWebhookClient(webhookConfig.parse({ secret }), kit);
 * await client.send({ delivery, template, content: { body: { event: 'paid' } } }); // { ok: true, ... }
 */
export function createWebhookClient(config: WebhookConfig, kit: Kit): ProviderClient<WebhookContent> {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const http = config.allowPrivateNetworks === true ? kit.http : kit.publicHttp;

  async function send({ delivery, content }: SendRequest<WebhookContent>): Promise<SendOutcome> {
    const target = parseTarget(delivery.receiver);
    if (!target) return failure(WEBHOOK_ERRORS, 'INVALID_URL', 'the receiver is not an http(s) URL');
    const extra = mergeHeaders(config.headers, content.headers);
    if (!extra.ok) return failure(WEBHOOK_ERRORS, 'INVALID_HEADER', extra.message);
    // The signature covers exactly these bytes: the body is serialised once and sent as is.
    const body = JSON.stringify(content.body ?? null);
    const headers: Record<string, string> = {
      ...extra.headers,
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      ...webhookHeaders(config.secret, delivery.id, body, kit.now()),
    };
    try {
      const res = await http.request({ method: 'POST', url: target.href, headers, body, timeoutMs });
      return responseOutcome(res, target, delivery.id, kit.now());
    } catch (err) {
      return transportOutcome(err, delivery.receiver, target);
    }
  }

  // The clients belong to the process (the kit), not to this account: nothing to close.
  return Object.freeze({ send });
}
