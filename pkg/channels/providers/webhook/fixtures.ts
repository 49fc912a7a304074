import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import { createHttpClient } from '../../kit/http.ts';
import { signing } from '../../kit/signing.ts';
import { createTokenCache } from '../../kit/tokens.ts';
import type { Kit } from '../../kit/types.ts';

/**
 * Test-only: a delivery, a template and a kit for webhook tests. The kit is made of real parts
 * (HTTP client, token cache on the test Redis, signing) until the kit's `createKit` lands. The
 * webhook itself signs with standard-webhooks.ts and builds its own guarded HTTP client, so
 * only `now` of this kit matters to it.
 */

/**
 * A kit whose clock is `now` (default: the real one); `close()` releases its client and Redis.
 *
 * @example const { kit, close } = await openWebhookTestKit(); ... await close();
 */
export async function openWebhookTestKit(
  now: () => number = Date.now,
): Promise<{ kit: Kit; close(): Promise<void> }> {
  const r = await testRedis();
  const http = createHttpClient();
  const publicHttp = createHttpClient({ guard: { allowPrivateNetworks: false } });
  const kit: Kit = Object.freeze({
    http,
    publicHttp,
    redis: r.redis,
    keys: r.keys,
    tokens: createTokenCache({ redis: r.redis, keys: r.keys, accountId: 1, now }),
    signing,
    now,
  });
  return {
    kit,
    async close() {
      await http.close();
      await publicHttp.close();
      await r.cleanup();
    },
  };
}

/**
 * A webhook delivery of message `id` to `receiver` (attempt 1 unless given).
 *
 * @example webhookDelivery('https://hooks.example.com/x', { attempt: 2 })
 */
export const webhookDelivery = (receiver: string, over: Partial<Delivery> = {}): Delivery =>
  testDelivery({ channel: 'webhook', receiver, ...over });

/** A webhook template holding `content` (unrendered). */
export const webhookTemplate = (content: unknown): Template =>
  testTemplate({ name: 'hook', channel: 'webhook', content, updatedAt: Date.now() });
