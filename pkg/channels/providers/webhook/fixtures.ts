import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testKit } from '../../../testkit/kit.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { Kit } from '../../kit/types.ts';

/**
 * Test-only: a delivery, a template and a kit for webhook tests. The webhook uses the kit's
 * guarded (`publicHttp`) or plain client and its clock.
 */

/**
 * A kit whose clock is `now` (default: the real one), built as processes build it
 * (pkg/testkit/kit.ts); `close()` releases its clients and Redis.
 *
 * @example const { kit, close } = await openWebhookTestKit(); ... await close();
 */
export async function openWebhookTestKit(
  now: () => number = Date.now,
): Promise<{ kit: Kit; close(): Promise<void> }> {
  const r = await testRedis();
  const kit = testKit({ redis: r.redis, keys: r.keys, now });
  return {
    kit,
    async close() {
      await Promise.all([kit.http.close(), kit.publicHttp.close()]);
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
