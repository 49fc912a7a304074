import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../testkit/testkit.ts';
import type { SendFailure } from '../../definition.ts';
import { wecomRobot } from './definition.ts';
import { failed, openRobotEnv, post, type RobotEnv } from './fixtures.ts';

/**
 * How every answer is classified (errors.ts): the robot's own refusals (`account`: fail over),
 * "slow down" (`rate_limited`, a minute), content refusals (`permanent`), busy and transport
 * failures (`retryable`, in doubt only when a post went out unanswered), and that no outcome
 * ever quotes the robot's key.
 */
describe('WeCom group robot: errors', () => {
  let env: RobotEnv;
  const seen: SendFailure[] = [];
  const keys: string[] = [];
  before(async () => {
    env = await openRobotEnv();
  });
  after(async () => {
    for (const o of seen) for (const k of keys) assert.ok(!o.message.includes(k), `key in: ${o.message}`);
    await env.close();
  });
  const fail = (o: Parameters<typeof failed>[0]) => {
    const f = failed(o);
    seen.push(f);
    return f;
  };
  const fake = async (opts: Parameters<RobotEnv['fake']>[0] = {}) => {
    const f = await env.fake(opts);
    keys.push(f.key);
    return f;
  };

  test('a wrong key or a robot removed from its group is an account failure (93000)', async () => {
    const f = await fake();
    const wrong = fail(await post(env.client(f, { key: 'not-this-robot-0000' }), { text: 'hi' }));
    assert.equal(wrong.code, '93000');
    assert.equal(wrong.retryable, false);
    assert.equal(wrong.failover, true, 'another account of the route may take it');
    assert.match(wrong.message, /invalid webhook url/);
    const c = env.client(f);
    assert.equal((await post(c, { text: 'hi' })).ok, true);
    f.removeRobot(f.key);
    assert.equal(fail(await post(c, { text: 'hi' })).code, '93000');
    assert.equal(f.posts.length, 1);
  });

  test('20 posts a minute per robot: the 21st is rate limited for a minute, then posts go on', async () => {
    let t = 1_700_000_000_000;
    const f = await fake({ now: () => t });
    const other = f.addRobot();
    keys.push(other);
    const c = env.client(f);
    for (let i = 0; i < 20; i++) assert.equal((await post(c, { text: `n${i}` })).ok, true);
    const o = fail(await post(c, { text: 'n20' }));
    assert.equal(o.code, '45009');
    assert.equal(o.rateLimited, true);
    assert.equal(o.retryable, true);
    assert.equal(o.retryAfterMs, 60_000);
    assert.equal(o.failover, true);
    // The budget is the robot's: another robot of the fake still posts.
    assert.equal((await post(env.client(f, { key: other }), { text: 'elsewhere' })).ok, true);
    t += 60_000;
    assert.equal((await post(c, { text: 'n21' })).ok, true);
    assert.equal(f.posts.filter((p) => p.key === f.key).length, 21);
  });

  test('WeCom codes as the table says', async () => {
    const f = await fake();
    const c = env.client(f);
    const cases: [number, { retryable: boolean; failover?: true; rateLimited?: true }][] = [
      [-1, { retryable: true, failover: true }],
      [93004, { retryable: false, failover: true }],
      [45033, { retryable: true, failover: true, rateLimited: true }],
      [40058, { retryable: false }],
      [40008, { retryable: false }],
      [44004, { retryable: false }],
      [45002, { retryable: false }],
      [12345, { retryable: false }],
    ];
    for (const [errcode, want] of cases) {
      f.failNext({ errcode });
      const o = fail(await post(c, { text: 'hi' }));
      assert.equal(o.code, String(errcode));
      assert.deepEqual(
        { retryable: o.retryable, failover: o.failover, rateLimited: o.rateLimited },
        { retryable: want.retryable, failover: want.failover, rateLimited: want.rateLimited },
        `errcode ${errcode}`,
      );
    }
    assert.equal(f.posts.length, 0);
  });

  test('HTTP statuses, bodies that are not WeCom JSON, and transport failures', async () => {
    const f = await fake();
    const c = env.client(f, { timeoutMs: 300 });
    f.failNext({ status: 502, body: 'bad gateway' });
    const bad = fail(await post(c, { text: 'hi' }));
    assert.deepEqual([bad.code, bad.retryable, bad.failover], ['HTTP_502', true, true]);
    assert.equal(wecomRobot.tripsBreaker?.(bad), true, 'WeCom failing counts toward the breaker');
    f.failNext({ status: 429, body: 'slow', headers: { 'retry-after': '7' } });
    const slow = fail(await post(c, { text: 'hi' }));
    assert.deepEqual([slow.code, slow.rateLimited, slow.retryAfterMs], ['HTTP_429', true, 7000]);
    f.failNext({ status: 200, body: '<html>proxy</html>' });
    assert.equal(fail(await post(c, { text: 'hi' })).code, 'BAD_RESPONSE');
    // A post cut off or unanswered may have reached the group: retried here, never failed over.
    f.failNext({ reset: true });
    const reset = fail(await post(c, { text: 'hi' }));
    assert.deepEqual([reset.code, reset.inDoubt, reset.failover], ['HTTP_RESET', true, undefined]);
    f.setDelay(2000);
    const late = fail(await post(c, { text: 'hi' }));
    assert.deepEqual([late.code, late.inDoubt, late.retryable], ['HTTP_TIMEOUT', true, true]);
    f.setDelay(0);
    const down = env.client(f, { baseUrl: `http://127.0.0.1:${await freePort()}` });
    const refused = fail(await post(down, { text: 'hi' }));
    assert.deepEqual([refused.code, refused.retryable, refused.failover], ['HTTP_CONNECT', true, true]);
    assert.equal((await post(c, { text: 'hi' })).ok, true);
  });

  test('an errmsg or error text that quotes the key is scrubbed', async () => {
    const f = await fake();
    const c = env.client(f);
    f.failNext({ errcode: 40058, errmsg: `bad request for key=${f.key}` });
    const o = fail(await post(c, { text: 'hi' }));
    assert.match(o.message, /key=\*\*\*/);
    f.failNext({ status: 500, body: `upstream /cgi-bin/webhook/send?key=${f.key} failed` });
    assert.match(fail(await post(c, { text: 'hi' })).message, /key=\*\*\*/);
  });
});
