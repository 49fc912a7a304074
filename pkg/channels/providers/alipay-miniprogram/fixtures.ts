import assert from 'node:assert/strict';
import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit } from '../../kit/index.ts';
import type { Kit } from '../../kit/types.ts';
import type { AlipayMiniprogramContent } from './content.ts';
import { alipayMiniprogram } from './definition.ts';
import type { AlipayMiniprogramFake } from './fake.ts';

/**
 * Test-only: kits, deliveries, content and clients for the Alipay mini program tests. Kits are
 * built as processes build them (the real HTTP client, a test Redis); only the clock and the
 * HTTP timeout are the test's.
 */

/** A test Redis and a factory of kits on it; `close()` releases every client made. */
export async function openAlipayTestKits(): Promise<{
  kit(opts?: { now?: () => number }): Kit;
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

/** A user id and an open id the fake accepts. */
export const USER = '2088102122458832';
export const OPEN = 'AAHWSq4ZV0eC2TnMpyMqKdGmMyp8w3QJ2GRTDNOKEGR4Qm0';

/** A subscription-message template as the platform holds it. */
export const alipayTemplate: Template = testTemplate({
  channel: 'alipay_miniprogram',
  content: { userTemplateId: 'TPL_ORDER', data: { keyword1: '{$order}', keyword2: '已发货' } },
});

/** A delivery to `receiver`. */
export const alipayDelivery = (receiver: string): Delivery =>
  testDelivery({ channel: 'alipay_miniprogram', receiver });

/**
 * Rendered content for the fake's default template `TPL_ORDER` (keyword1, keyword2).
 *
 * @example orderContent({ page: undefined }) // no page
 */
export const orderContent = (over: Partial<AlipayMiniprogramContent> = {}): AlipayMiniprogramContent => ({
  userTemplateId: 'TPL_ORDER',
  page: 'pages/order/index?id=A-1',
  data: { keyword1: 'A-1', keyword2: '已发货' },
  ...over,
});

/** The config of an account at the fake (`over` changes keys, id or URL). */
export const alipayAccountConfig = (fake: AlipayMiniprogramFake, over: Record<string, unknown> = {}) => ({
  appId: fake.appId,
  privateKey: fake.appPrivateKey,
  alipayPublicKey: fake.alipayPublicKey,
  baseUrl: fake.baseUrl,
  ...over,
});

/** A client of an account at the fake, built through the definition (config parsed as on save). */
export const alipayClient = (
  fake: AlipayMiniprogramFake,
  kit: Kit,
  over: Record<string, unknown> = {},
): ProviderClient<AlipayMiniprogramContent> =>
  alipayMiniprogram.create(alipayMiniprogram.config.parse(alipayAccountConfig(fake, over)), kit, {
    id: 1,
    channel: 'alipay_miniprogram',
    provider: 'alipay',
  }) as ProviderClient<AlipayMiniprogramContent>;

/** Sends `content` to `receiver`. */
export const sendTo = (
  client: ProviderClient<AlipayMiniprogramContent>,
  receiver: string,
  content: AlipayMiniprogramContent = orderContent(),
): Promise<SendOutcome> =>
  client.send({ delivery: alipayDelivery(receiver), template: alipayTemplate, content });

/** The outcome as a failure (the test fails when it is a success). */
export function failed(o: SendOutcome | undefined): SendFailure {
  assert.ok(o && !o.ok, `expected a failure, got ${JSON.stringify(o)}`);
  return o;
}
