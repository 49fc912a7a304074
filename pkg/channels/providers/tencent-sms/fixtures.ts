import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit } from '../../kit/index.ts';
import type { Kit } from '../../kit/types.ts';
import type { SmsContent } from '../../sms/content.ts';
import { tencentSms } from './definition.ts';
import type { TencentSmsFake } from './fake.ts';

/**
 * Test-only: kits, deliveries, content and clients for the Tencent SMS tests. Kits are built as
 * processes build them (the real HTTP client, a test Redis); only the clock and the HTTP timeout
 * are the test's.
 */

/** A test Redis and a factory of kits on it; `close()` releases every client made. */
export async function openTencentTestKits(): Promise<{
  kit(opts?: { now?: () => number; timeoutMs?: number }): Kit;
  close(): Promise<void>;
}> {
  const r = await testRedis();
  const clients: ReturnType<typeof createHttpClient>[] = [];
  return {
    kit(opts = {}) {
      const http = createHttpClient(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
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

/** An SMS template as the platform holds it (its content is what the tests send). */
export const smsTemplate: Template = testTemplate({
  channel: 'sms',
  content: {
    text: 'Your code is {$code}',
    providers: { tencent: { templateId: '1001', params: ['{$code}', '5'] } },
  },
});

/**
 * A delivery to `receiver`.
 *
 * @example smsDelivery('+8613800138000')
 */
export const smsDelivery = (receiver: string): Delivery => testDelivery({ channel: 'sms', receiver });

/**
 * Rendered content for the fake's default template 1001 (two parameters).
 *
 * @example tencentContent({ params: ['1234'] }) // one parameter: the fake refuses the count
 */
export const tencentContent = (
  over: Partial<NonNullable<SmsContent['providers']['tencent']>> = {},
): SmsContent => ({
  text: 'Your code is 123456',
  providers: { tencent: { templateId: '1001', params: ['123456', '5'], ...over } },
});

/**
 * The config of an account at the fake (its keys, app, sign name and URL).
 *
 * @example accounts.create({ channel: 'sms', provider: 'tencent', config: tencentAccountConfig(fake) })
 */
export const tencentAccountConfig = (fake: TencentSmsFake) => ({
  secretId: fake.secretId,
  secretKey: fake.secretKey,
  sdkAppId: fake.sdkAppId,
  signName: fake.signName,
  baseUrl: fake.baseUrl,
});

/**
 * A client of the fake's account (`over` changes config fields, e.g. a wrong `secretKey`).
 *
 * @example const c = tencentClient(fake, kits.kit(), { baseUrl: 'http://127.0.0.1:1' });
 */
export function tencentClient(fake: TencentSmsFake, kit: Kit, over: Record<string, unknown> = {}) {
  const config = tencentSms.config.parse({ ...tencentAccountConfig(fake), ...over });
  return tencentSms.create(config, kit, {
    id: 1,
    channel: 'sms',
    provider: 'tencent',
  }) as ProviderClient<SmsContent>;
}

/** `o` as a failure (fails the test when it is a success). */
export function failed(o: SendOutcome | undefined): SendFailure {
  if (!o || o.ok) throw new Error(`expected a failure, got ${JSON.stringify(o)}`);
  return o;
}
