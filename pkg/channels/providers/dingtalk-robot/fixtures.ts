import type { Delivery } from '../../../domain/delivery.ts';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient } from '../../definition.ts';
import { createHttpClient, createKit } from '../../kit/index.ts';
import type { DingtalkRobotContent } from './content.ts';
import { dingtalkRobot } from './definition.ts';
import type { DingtalkRobotFake, FakeRobot } from './fake.ts';

/**
 * Test-only: a clock shared by the client's kit and the fake (so the 1-hour sign window and the
 * 10-minute lock can be crossed without waiting), clients built as processes build them (the
 * real kit and HTTP client over a test Redis), deliveries and the template.
 */

/** A settable clock, starting at the real time. */
export type TestClock = { now(): number; advance(ms: number): void };

/** @example const clock = testClock(); clock.advance(60_000); */
export function testClock(start = Date.now()): TestClock {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** A DingTalk robot template as the platform holds it. */
export const robotTemplate: Template = testTemplate({
  channel: 'dingtalk_robot',
  content: { text: 'Hello' },
});

/**
 * The delivery of one group post mentioning `receiver` (`group`: nobody).
 *
 * @example robotDelivery('ann,+8613800138000')
 */
export const robotDelivery = (receiver = 'group'): Delivery =>
  testDelivery({ channel: 'dingtalk_robot', receiver });

/** Client factory over one test Redis; `close()` releases every HTTP client it made. */
export async function openRobotClients(): Promise<{
  /** A client of `robot` at `fake` (config fields in `over` replace the robot's). */
  client(
    fake: DingtalkRobotFake,
    robot?: FakeRobot,
    over?: Record<string, unknown>,
    opts?: { now?: () => number },
  ): ProviderClient<DingtalkRobotContent>;
  close(): Promise<void>;
}> {
  const r = await testRedis();
  const http = createHttpClient();
  return {
    client(fake, robot = fake.robot, over = {}, opts = {}) {
      const config = dingtalkRobot.config.parse({
        accessToken: robot.accessToken,
        ...(robot.secret ? { secret: robot.secret } : {}),
        baseUrl: fake.baseUrl,
        ...over,
      });
      const kit = createKit({
        redis: r.redis,
        keys: r.keys,
        accountId: 1,
        http,
        publicHttp: http,
        ...(opts.now ? { now: opts.now } : {}),
      });
      return dingtalkRobot.create(config, kit, { id: 1, channel: 'dingtalk_robot', provider: 'dingtalk' });
    },
    async close() {
      await http.close();
      await r.cleanup();
    },
  };
}

/**
 * Sends `content` to the group, mentioning `receiver`.
 *
 * @example await post(client, { type: 'text', text: 'Hi' }, '@all')
 */
export const post = (
  client: ProviderClient<DingtalkRobotContent>,
  content: DingtalkRobotContent,
  receiver = 'group',
  delivery: Delivery = robotDelivery(receiver),
) => client.send({ delivery, template: robotTemplate, content });
