import { randomBytes } from 'node:crypto';
import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit } from '../../kit/index.ts';
import type { Kit } from '../../kit/types.ts';
import type { PushContent } from './content.ts';
import { getuiPush } from './definition.ts';
import type { GetuiFake } from './fake.ts';

/**
 * Test-only: kits, deliveries, content and clients for the GeTui tests. Kits are built as
 * processes build them (the real HTTP client, a test Redis); only the clock, the account id and
 * the HTTP timeout are the test's.
 */

/** A test Redis and a factory of kits on it (one per "process"); `close()` releases them all. */
export async function openGetuiTestKits(): Promise<{
  kit(opts?: { now?: () => number; accountId?: number }): Kit;
  close(): Promise<void>;
}> {
  const r = await testRedis();
  const clients: ReturnType<typeof createHttpClient>[] = [];
  return {
    kit(opts = {}) {
      const http = createHttpClient({});
      clients.push(http);
      return createKit({
        redis: r.redis,
        keys: r.keys,
        accountId: opts.accountId ?? 1,
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

/** A cid as GeTui issues them: 32 hex characters. */
export const newCid = (): string => randomBytes(16).toString('hex');

/** A push template as the platform holds it. */
export const pushTemplate: Template = testTemplate({
  channel: 'push',
  content: { title: 'Order {$order}', body: 'Shipped' },
});

/** A delivery to `cid`. */
export const pushDelivery = (cid: string): Delivery => testDelivery({ channel: 'push', receiver: cid });

/** Rendered content (parsed as the sender parses it). */
export const content = (over: Record<string, unknown> = {}): PushContent =>
  getuiPush.content.parse({ title: 'Order 7', body: 'Shipped', ...over });

/** The config of an account at the fake. */
export const getuiAccountConfig = (fake: GetuiFake) => ({
  appId: fake.appId,
  appKey: fake.appKey,
  masterSecret: fake.masterSecret,
  baseUrl: fake.baseUrl,
});

/**
 * A client of the fake's account (`over` changes config fields, e.g. a wrong `masterSecret`).
 *
 * @example const c = getuiClient(fake, kits.kit({ accountId: 3 }), { timeoutMs: 300 });
 */
export function getuiClient(fake: GetuiFake, kit: Kit, over: Record<string, unknown> = {}) {
  const config = getuiPush.config.parse({ ...getuiAccountConfig(fake), ...over });
  return getuiPush.create(config, kit, {
    id: 1,
    channel: 'push',
    provider: 'getui',
  }) as ProviderClient<PushContent>;
}

/** `o` as a failure (fails the test when it is a success). */
export function failed(o: SendOutcome | undefined): SendFailure {
  if (!o || o.ok) throw new Error(`expected a failure, got ${JSON.stringify(o)}`);
  return o;
}
