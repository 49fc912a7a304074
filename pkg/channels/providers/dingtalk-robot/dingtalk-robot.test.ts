import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SendOutcome } from '../../definition.ts';
import type { DingtalkRobotContent } from './content.ts';
import { type DingtalkRobotFake, startDingtalkRobotFake } from './fake.ts';
import { openRobotClients, post, robotDelivery, testClock } from './fixtures.ts';

/**
 * The DingTalk robot client against its fake (a real local HTTP server that verifies the sign,
 * its window, keywords, msgtype shapes and the 20-a-minute rule as DingTalk does): every
 * message type's body as posted, mentions, and each errcode classified as the table says.
 */
describe('DingTalk custom robot (dingtalk_robot/dingtalk)', () => {
  let clients: Awaited<ReturnType<typeof openRobotClients>>;
  const fakes: DingtalkRobotFake[] = [];
  before(async () => {
    clients = await openRobotClients();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await clients.close();
  });
  const fake = async (opts: Parameters<typeof startDingtalkRobotFake>[0] = {}) => {
    const f = await startDingtalkRobotFake(opts);
    fakes.push(f);
    return f;
  };
  const failed = (o: SendOutcome) => {
    assert.ok(!o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };
  const text = (t: string): DingtalkRobotContent => ({ type: 'text', text: t });

  test('a text post is signed, carries the delivery id as msgUuid and mentions nobody for `group`', async () => {
    const f = await fake();
    const d = robotDelivery('group');
    const c = clients.client(f);
    assert.deepEqual(Object.keys(c), ['send'], 'no batch, recall, receipts or connection test');
    assert.deepEqual(await post(c, text('Deploy 42 done'), 'group', d), { ok: true });
    assert.equal(f.posts.length, 1);
    assert.deepEqual(f.posts[0]!.body, {
      msgtype: 'text',
      text: { content: 'Deploy 42 done' },
      msgUuid: d.id,
    });
    const q = f.requests[0]!.query;
    assert.equal(q.access_token, f.robot.accessToken);
    assert.match(q.timestamp ?? '', /^\d{13}$/);
    assert.match(f.requests[0]!.url, /&sign=[A-Za-z0-9%]+$/);
    assert.match(f.requests[0]!.headers['content-type'] ?? '', /^application\/json; charset=utf-8$/);
  });

  test('mentions: @all, user ids and mobiles become `at` and the @… tags the text lacks', async () => {
    const f = await fake();
    const c = clients.client(f);
    assert.equal((await post(c, text('Release frozen'), '@all')).ok, true);
    assert.equal((await post(c, text('Review please @ann'), 'ann,+8613800138000,bob')).ok, true);
    const md: DingtalkRobotContent = { type: 'markdown', title: 'Alert', text: '## CPU high' };
    assert.equal((await post(c, md, '13900139000,ann')).ok, true);
    const [all, users, markdown] = f.posts.map((p) => p.body);
    assert.deepEqual(all!.at, { isAtAll: true });
    assert.deepEqual(all!.text, { content: 'Release frozen' });
    assert.deepEqual(users!.at, { atMobiles: ['13800138000'], atUserIds: ['ann', 'bob'] });
    assert.deepEqual(users!.text, { content: 'Review please @ann @13800138000 @bob' });
    assert.deepEqual(markdown!.at, { atMobiles: ['13900139000'], atUserIds: ['ann'] });
    assert.deepEqual(markdown!.markdown, { title: 'Alert', text: '## CPU high\n\n@13900139000 @ann' });
  });

  test('link, action cards and feed cards are posted in DingTalk shapes', async () => {
    const f = await fake();
    const c = clients.client(f);
    const contents: DingtalkRobotContent[] = [
      {
        type: 'link',
        title: 'Report',
        text: 'Weekly',
        messageUrl: 'https://x.test/r',
        picUrl: 'https://x.test/p.png',
      },
      {
        type: 'actionCard',
        title: 'Deploy',
        text: '## v2',
        singleTitle: 'Open',
        singleURL: 'https://x.test/d',
      },
      {
        type: 'actionCard',
        title: 'Approve',
        text: 'v2?',
        btnOrientation: '1',
        btns: [
          { title: 'Yes', actionURL: 'https://x.test/y' },
          { title: 'No', actionURL: 'https://x.test/n' },
        ],
      },
      {
        type: 'feedCard',
        links: [{ title: 'A', messageURL: 'https://x.test/a', picURL: 'https://x.test/a.png' }],
      },
    ];
    for (const content of contents) assert.deepEqual(await post(c, content), { ok: true });
    const bodies = f.posts.map(({ body: { msgUuid: _, ...rest } }) => rest);
    assert.deepEqual(bodies, [
      {
        msgtype: 'link',
        link: {
          title: 'Report',
          text: 'Weekly',
          messageUrl: 'https://x.test/r',
          picUrl: 'https://x.test/p.png',
        },
      },
      {
        msgtype: 'actionCard',
        actionCard: { title: 'Deploy', text: '## v2', singleTitle: 'Open', singleURL: 'https://x.test/d' },
      },
      {
        msgtype: 'actionCard',
        actionCard: {
          title: 'Approve',
          text: 'v2?',
          btnOrientation: '1',
          btns: [
            { title: 'Yes', actionURL: 'https://x.test/y' },
            { title: 'No', actionURL: 'https://x.test/n' },
          ],
        },
      },
      {
        msgtype: 'feedCard',
        feedCard: { links: [{ title: 'A', messageURL: 'https://x.test/a', picURL: 'https://x.test/a.png' }] },
      },
    ]);
  });

  test('a card that would mention people fails permanently and posts nothing', async () => {
    const f = await fake();
    const card: DingtalkRobotContent = { type: 'link', title: 'T', text: 'x', messageUrl: 'https://x.test' };
    const o = failed(await post(clients.client(f), card, 'ann'));
    assert.equal(o.code, 'MENTION_UNSUPPORTED');
    assert.equal(o.retryable, false);
    assert.equal(o.failover, undefined);
    assert.equal(f.requests.length, 0);
  });

  test('sign: a wrong secret or a clock over an hour off is 310000 (account); 59 minutes off passes', async () => {
    const f = await fake();
    const wrong = failed(await post(clients.client(f, f.robot, { secret: 'SECwrongwrongwrong' }), text('x')));
    assert.equal(wrong.code, '310000');
    assert.match(wrong.message, /sign not match/);
    assert.equal(wrong.retryable, false);
    assert.equal(wrong.failover, true);
    const late = testClock(Date.now() + 3_600_000 + 5_000);
    const skewed = failed(await post(clients.client(f, f.robot, {}, { now: late.now }), text('x')));
    assert.equal(skewed.code, '310000');
    assert.match(skewed.message, /invalid timestamp/);
    const near = testClock(Date.now() - 59 * 60_000);
    assert.equal((await post(clients.client(f, f.robot, {}, { now: near.now }), text('x'))).ok, true);
    // The account lacks the secret of a signed robot: nothing signed, refused the same way.
    const { secret: _, ...unsigned } = f.robot;
    assert.equal(failed(await post(clients.client(f, unsigned), text('x'))).code, '310000');
    assert.equal(f.posts.length, 1);
  });

  test('keywords: a post without one of the robot keywords is 310000; with one it is posted', async () => {
    const f = await fake();
    const robot = f.addRobot({ keywords: ['告警', 'deploy'] });
    const c = clients.client(f, robot);
    const o = failed(await post(c, text('CPU high')));
    assert.equal(o.code, '310000');
    assert.match(o.message, /keywords not in content/);
    assert.equal((await post(c, text('告警: CPU high'))).ok, true);
    const card: DingtalkRobotContent = {
      type: 'feedCard',
      links: [{ title: 'deploy v2', messageURL: 'https://x.test' }],
    };
    assert.equal((await post(c, card)).ok, true);
    assert.equal(f.posts.length, 2);
  });

  test('an unknown token is 300001 (account) and neither token nor secret shows in a message', async () => {
    const f = await fake();
    const token = `feed${'ab'.repeat(30)}`;
    const o = failed(await post(clients.client(f, { accessToken: token }), text('x')));
    assert.equal(o.code, '300001');
    assert.equal(o.retryable, false);
    assert.equal(o.failover, true);
    // An errmsg quoting the request URL (token, timestamp, sign) comes back scrubbed.
    f.failNext({ errcode: 310000, errmsg: 'ip 10.0.0.1 not in whitelist: {url}' });
    const quoted = failed(await post(clients.client(f), text('x')));
    assert.equal(quoted.code, '310000');
    assert.ok(quoted.message.includes('not in whitelist'), quoted.message);
    for (const m of [o.message, quoted.message]) {
      assert.ok(!m.includes(token) && !m.includes(f.robot.accessToken), m);
      assert.ok(!m.includes(f.robot.secret!), m);
    }
  });

  test('the 21st post in a minute is 130101: rate limited for the 10-minute lock, which holds', async () => {
    const clock = testClock();
    const f = await fake({ now: clock.now });
    const c = clients.client(f, f.robot, {}, { now: clock.now });
    for (let i = 0; i < 20; i++) assert.equal((await post(c, text(`n${i}`))).ok, true);
    const o = failed(await post(c, text('one too many')));
    assert.equal(o.code, '130101');
    assert.equal(o.rateLimited, true);
    assert.equal(o.retryable, true);
    assert.equal(o.retryAfterMs, 600_000);
    assert.equal(o.failover, true);
    clock.advance(5 * 60_000);
    assert.equal(failed(await post(c, text('still locked'))).code, '130101');
    const other = f.addRobot({ secret: 'SECanotherrobotsecret' });
    assert.equal(
      (await post(clients.client(f, other, {}, { now: clock.now }), text('other robot'))).ok,
      true,
    );
    clock.advance(5 * 60_000 + 1);
    assert.equal(f.locked(f.robot.accessToken), false);
    assert.equal((await post(c, text('after the lock'))).ok, true);
    assert.equal(f.posts.length, 22);
  });

  test('busy, 5xx, non-JSON, reset, refused and unknown-code answers: classes and doubt', async () => {
    const f = await fake();
    const c = clients.client(f);
    f.failNext({ errcode: -1, errmsg: '系统繁忙' });
    const busy = failed(await post(c, text('x')));
    assert.deepEqual([busy.code, busy.retryable, busy.failover], ['-1', true, true]);
    f.failNext({ status: 502, body: 'bad gateway' });
    const bad = failed(await post(c, text('x')));
    assert.deepEqual([bad.code, bad.retryable, bad.failover], ['HTTP_502', true, true]);
    f.failNext({ status: 200, body: '<html>proxy</html>' });
    const html = failed(await post(c, text('x')));
    assert.deepEqual(
      [html.code, html.retryable, html.inDoubt, html.failover],
      ['BAD_RESPONSE', true, true, undefined],
    );
    f.failNext({ reset: true });
    const reset = failed(await post(c, text('x')));
    assert.deepEqual([reset.code, reset.inDoubt, reset.failover], ['HTTP_RESET', true, undefined]);
    f.failNext({ errcode: 400105, errmsg: 'unsupported' });
    assert.equal(failed(await post(c, text('x'))).retryable, false);
    f.failNext({ errcode: 999999, errmsg: 'new code' });
    const unknown = failed(await post(c, text('x')));
    assert.deepEqual([unknown.code, unknown.retryable, unknown.failover], ['999999', false, undefined]);
    assert.equal((await post(c, text('x'))).ok, true);
    const down = await fake();
    await down.close();
    const refused = failed(await post(clients.client(down), text('x')));
    assert.deepEqual([refused.code, refused.retryable, refused.failover], ['HTTP_CONNECT', true, true]);
    assert.equal(f.posts.length, 1, 'only the post after the unknown code went through');
  });

  test('a timed-out post retried with the same delivery is posted once (msgUuid)', async () => {
    const f = await fake();
    const c = clients.client(f, f.robot, { timeoutMs: 500 });
    const d = robotDelivery('ann');
    f.delay(2000);
    const o = failed(await post(c, text('once'), 'ann', d));
    assert.deepEqual([o.code, o.inDoubt, o.failover], ['HTTP_TIMEOUT', true, undefined]);
    f.delay(0);
    assert.deepEqual(await post(c, text('once'), 'ann', d), { ok: true });
    assert.equal(f.posts.length, 1);
    assert.equal(f.duplicates, 1);
  });
});
