import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../testkit/testkit.ts';
import { type FeishuRobotFake, startFeishuRobotFake } from './fake.ts';
import { failed, feishuClient, openFeishuTestKits, post } from './fixtures.ts';

/**
 * Every way a post can fail, against the fake, classified as PROVIDERS.md §8.4 and errors.ts say:
 * account-level refusals fail over, content refusals do not, throttling slows down, a post that
 * may have been made is in doubt. No outcome message ever carries the hook id or the secret.
 */
describe('Feishu custom bot: failures (feishu_robot/feishu)', () => {
  let kits: Awaited<ReturnType<typeof openFeishuTestKits>>;
  const fakes: FeishuRobotFake[] = [];
  before(async () => {
    kits = await openFeishuTestKits();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await kits.close();
  });
  const fake = async (opts: Parameters<typeof startFeishuRobotFake>[0] = {}) => {
    const f = await startFeishuRobotFake(opts);
    fakes.push(f);
    return f;
  };
  /** The failure of one text post, checked free of the account's credentials. */
  const fails = async (f: FeishuRobotFake, over: Record<string, unknown> = {}, clock?: () => number) => {
    const c = feishuClient(f, kits.kit(clock ? { now: clock } : {}), over);
    const o = failed(await post(c, { text: '告警 disk full' }));
    for (const s of [f.hookId, f.secret, over.hookId, over.secret]) {
      if (typeof s === 'string') assert.ok(!o.message.includes(s), `credential in message: ${o.message}`);
    }
    return o;
  };
  const account = { retryable: false, failover: true };
  const permanent = { retryable: false };
  const throttled = { retryable: true, rateLimited: true, failover: true };
  const expect = (o: object, code: string, flags: object) =>
    assert.deepEqual({ ...o, message: undefined }, { ok: false, code, message: undefined, ...flags });

  test('19021: a wrong secret, a missing signature, a clock over an hour off are account failures', async () => {
    const f = await fake();
    expect(await fails(f, { secret: 'not-the-secret' }), '19021', account);
    expect(await fails(f, { secret: undefined }), '19021', account);
    const skewed = () => Date.now() - 3601_000;
    expect(await fails(f, {}, skewed), '19021', account);
    // 59 minutes off is inside Feishu's window.
    const c = feishuClient(f, kits.kit({ now: () => Date.now() - 3540_000 }));
    assert.deepEqual(await post(c, { text: 'ok' }), { ok: true });
    assert.equal(f.refused(19021), 3);
  });

  test('19001 unknown hook and 19022 IP outside the allowlist are account failures', async () => {
    const f = await fake();
    expect(await fails(f, { hookId: 'no-such-hook-4711' }), '19001', account);
    const walled = await fake({ ipAllowlist: ['203.0.113.7'] });
    expect(await fails(walled), '19022', account);
    walled.ipAllowlist.add('127.0.0.1');
    assert.deepEqual(await post(feishuClient(walled, kits.kit()), { text: 'in' }), { ok: true });
  });

  test('19024 no keyword and 9499 bad request (HTTP 400) are permanent, with no failover', async () => {
    const f = await fake({ keywords: ['发布'] });
    const o = await fails(f);
    expect(o, '19024', permanent);
    assert.equal(o.message, 'Key Words Not Found');
    f.keywords.add('告警');
    assert.deepEqual(await post(feishuClient(f, kits.kit()), { text: '告警 cpu' }), { ok: true });
    f.failNext({ code: 9499, msg: 'Bad Request', status: 400 });
    expect(await fails(f), '9499', permanent);
    f.failNext({ code: 19002, msg: 'param invalid: msg_type' });
    expect(await fails(f), '19002', permanent);
    f.failNext({ code: 12345 });
    expect(await fails(f), '12345', permanent);
  });

  test('11232: the bot throttles the 6th post of a second; it is rate limited and a later second passes', async () => {
    let clock = 1_760_000_000_000;
    const now = () => clock;
    const f = await fake({ now });
    const c = feishuClient(f, kits.kit({ now }));
    const five = await Promise.all(Array.from({ length: 5 }, (_, i) => post(c, { text: `n${i}` })));
    assert.ok(five.every((o) => o.ok));
    const sixth = failed(await post(c, { text: 'n5' }));
    expect(sixth, '11232', throttled);
    assert.equal(sixth.retryAfterMs, undefined);
    clock += 1000;
    assert.deepEqual(await post(c, { text: 'n6' }), { ok: true });
    // 100 a minute: 20 seconds of 5 posts, then the minute's quota holds the next second too.
    while (f.posts.length < 100) {
      clock += 1000;
      await Promise.all(
        Array.from({ length: Math.min(5, 100 - f.posts.length) }, () => post(c, { text: 'm' })),
      );
    }
    clock += 1000;
    expect(failed(await post(c, { text: 'over' })), '11232', throttled);
    clock += 60_000;
    assert.deepEqual(await post(c, { text: 'next minute' }), { ok: true });
  });

  test('the gateway throttle (429, 99991400) carries its x-ogw-ratelimit-reset wait', async () => {
    const f = await fake();
    f.failNext({ code: 99991400, status: 429, headers: { 'x-ogw-ratelimit-reset': '52' } });
    const o = await fails(f);
    expect({ ...o, retryAfterMs: undefined }, '99991400', { ...throttled, retryAfterMs: undefined });
    assert.equal(o.retryAfterMs, 52_000);
    f.failNext({ status: 429, body: 'slow down', headers: { 'retry-after': '3' } });
    const bare = await fails(f);
    assert.equal(bare.code, 'HTTP_429');
    assert.equal(bare.rateLimited, true);
    assert.equal(bare.retryAfterMs, 3000);
  });

  test('5xx is retryable with failover; an unreadable 200 is in doubt; legacy StatusCode 0 is success', async () => {
    const f = await fake();
    f.failNext({ status: 503, body: '<html>busy</html>' });
    expect(await fails(f), 'HTTP_503', { retryable: true, failover: true });
    f.failNext({ status: 200, body: '<html>proxy</html>' });
    expect(await fails(f), 'BAD_RESPONSE', { retryable: true, inDoubt: true });
    f.failNext({ status: 200, body: { Extra: null, StatusCode: 0, StatusMessage: 'success' } });
    assert.deepEqual(await post(feishuClient(f, kits.kit()), { text: 'x' }), { ok: true });
  });

  test('transport: a refused connection fails over, a reset or timeout is in doubt', async () => {
    const f = await fake();
    const port = await freePort();
    expect(await fails(f, { baseUrl: `http://127.0.0.1:${port}` }), 'HTTP_CONNECT', {
      retryable: true,
      failover: true,
    });
    f.failNext({ reset: true });
    expect(await fails(f), 'HTTP_RESET', { retryable: true, inDoubt: true });
    f.delay(1500);
    expect(await fails(f, { timeoutMs: 300 }), 'HTTP_TIMEOUT', { retryable: true, inDoubt: true });
    f.delay(0);
  });

  test('credentials quoted by an answer are scrubbed from the outcome', async () => {
    const f = await fake();
    f.failNext({ code: 19001, msg: `hook ${f.hookId} with secret ${f.secret} invalid` });
    const o = await fails(f);
    assert.equal(o.message, 'hook *** with secret *** invalid');
    f.failNext({ status: 502, body: `upstream /open-apis/bot/v2/hook/${f.hookId} failed` });
    assert.equal((await fails(f)).message, 'upstream /open-apis/bot/v2/hook/*** failed');
  });
});
