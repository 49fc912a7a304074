import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit } from '../../kit/index.ts';
import type { Kit } from '../../kit/types.ts';
import type { FeishuRobotContent } from './content.ts';
import { feishuRobot } from './definition.ts';
import type { FeishuRobotFake } from './fake.ts';

/**
 * Test-only: kits, deliveries and clients for the Feishu robot tests. Kits are built as processes
 * build them (the real HTTP client, a test Redis); only the clock is the test's.
 */

/** A test Redis and a factory of kits on it; `close()` releases every client made. */
export async function openFeishuTestKits(): Promise<{
  kit(opts?: { now?: () => number }): Kit;
  close(): Promise<void>;
}> {
  const r = await testRedis();
  const clients: ReturnType<typeof createHttpClient>[] = [];
  return {
    kit(opts = {}) {
      const http = createHttpClient();
      clients.push(http);
      return createKit({
        redis: r.redis,
        keys: r.keys,
        accountId: 1,
        http,
        publicHttp: http,
        ...(opts.now ? { now: opts.now } : {}),
      });
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await r.cleanup();
    },
  };
}

/** A Feishu robot template as the platform holds it. */
export const robotTemplate: Template = testTemplate({ channel: 'feishu_robot', content: { text: 'Hello' } });

/**
 * The delivery of one post; `receiver` is its mention list (`group`: nobody).
 *
 * @example robotDelivery('ou_1,ou_2')
 */
export const robotDelivery = (receiver = 'group'): Delivery =>
  testDelivery({ channel: 'feishu_robot', receiver });

/**
 * A client of the fake's bot (`over` changes config fields, e.g. a wrong `secret`).
 *
 * @example const c = feishuClient(fake, kits.kit(), { hookId: 'no-such-hook' });
 */
export function feishuClient(fake: FeishuRobotFake, kit: Kit, over: Record<string, unknown> = {}) {
  const config = feishuRobot.config.parse({
    hookId: fake.hookId,
    ...(fake.secret ? { secret: fake.secret } : {}),
    baseUrl: fake.baseUrl,
    ...over,
  });
  return feishuRobot.create(config, kit, {
    id: 1,
    channel: 'feishu_robot',
    provider: 'feishu',
  }) as ProviderClient<FeishuRobotContent>;
}

/**
 * Sends `content` (parsed by the content schema, as the platform does) as one post.
 *
 * @example await post(client, { text: 'hi' }, '@all')
 */
export const post = (client: ProviderClient<FeishuRobotContent>, content: unknown, receiver = 'group') =>
  client.send({
    delivery: robotDelivery(receiver),
    template: robotTemplate,
    content: feishuRobot.content.parse(content),
  });

/** `o` as a failure (fails the test when it is a success). */
export function failed(o: SendOutcome | undefined): SendFailure {
  if (!o || o.ok) throw new Error(`expected a failure, got ${JSON.stringify(o)}`);
  return o;
}
