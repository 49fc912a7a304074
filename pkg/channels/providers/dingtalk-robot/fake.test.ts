import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpClient } from '../../kit/index.ts';
import { type DingtalkRobotFake, type FakeRobot, startDingtalkRobotFake } from './fake.ts';
import { testClock } from './fixtures.ts';
import { dingtalkSignature, signedQuery } from './sign.ts';

/**
 * The fake refuses what DingTalk refuses, with requests the client never builds (sent by hand),
 * so that the client's tests against it mean something.
 */
describe('the DingTalk robot fake checks what DingTalk checks', () => {
  const http = createHttpClient();
  const clock = testClock();
  let f: DingtalkRobotFake;
  before(async () => {
    f = await startDingtalkRobotFake({ now: clock.now });
  });
  after(async () => {
    await f.close();
    await http.close();
  });

  /** POSTs `body` to `robot` (signed when it has a secret); `query` replaces the signed part. */
  const raw = async (
    body: unknown,
    opts: { robot?: FakeRobot; query?: string; contentType?: string } = {},
  ): Promise<{ errcode: number; errmsg: string }> => {
    const robot = opts.robot ?? f.robot;
    const signed = robot.secret ? `&${signedQuery(clock.now(), robot.secret)}` : '';
    const res = await http.request({
      method: 'POST',
      url: `${f.baseUrl}/robot/send?access_token=${robot.accessToken}${opts.query ?? signed}`,
      headers: { 'content-type': opts.contentType ?? 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    return res.json() as { errcode: number; errmsg: string };
  };
  const code = async (body: unknown, opts?: Parameters<typeof raw>[1]) => (await raw(body, opts)).errcode;

  test('every msgtype needs its object and its required fields (40035), an unknown msgtype is 400105', async () => {
    const refusals: [unknown, number, string][] = [
      [{ text: { content: 'x' } }, 40035, 'msgtype'],
      [{ msgtype: 'image', image: {} }, 400105, '不支持'],
      [{ msgtype: 'text' }, 40035, 'text'],
      [{ msgtype: 'text', text: { content: '  ' } }, 40035, 'text.content'],
      [{ msgtype: 'markdown', markdown: { text: 'x' } }, 40035, 'markdown.title'],
      [{ msgtype: 'link', link: { title: 't', text: 'x' } }, 40035, 'link.messageUrl'],
      [{ msgtype: 'actionCard', actionCard: { title: 't', text: 'x' } }, 40035, 'actionCard.btns'],
      [
        { msgtype: 'actionCard', actionCard: { title: 't', text: 'x', singleTitle: 'go' } },
        40035,
        'singleURL',
      ],
      [
        { msgtype: 'actionCard', actionCard: { title: 't', text: 'x', btns: [{ title: 'a' }] } },
        40035,
        'actionURL',
      ],
      [
        {
          msgtype: 'actionCard',
          actionCard: { title: 't', text: 'x', btnOrientation: '2', singleTitle: 'a', singleURL: 'u' },
        },
        40035,
        'btnOrientation',
      ],
      [{ msgtype: 'feedCard', feedCard: { links: [] } }, 40035, 'feedCard.links'],
      [{ msgtype: 'feedCard', feedCard: { links: [{ title: 'a' }] } }, 40035, 'messageURL'],
      [{ msgtype: 'text', text: { content: 'x' }, at: { atMobiles: '138' } }, 40035, 'at'],
      [{ msgtype: 'text', text: { content: 'x' }, at: { isAtAll: 'true' } }, 40035, 'isAtAll'],
      [{ msgtype: 'text', text: { content: 'x' }, msgUuid: 7 }, 40035, 'msgUuid'],
    ];
    for (const [body, errcode, field] of refusals) {
      const r = await raw(body);
      assert.equal(r.errcode, errcode, JSON.stringify(body));
      assert.ok(r.errmsg.includes(field), `${r.errmsg} for ${JSON.stringify(body)}`);
    }
    assert.equal(
      await code('{"msgtype":"text","text":{"content":"x"}}', { contentType: 'text/plain' }),
      40035,
    );
    assert.equal(await code('{not json'), 40035);
    assert.equal(f.posts.length, 0);
  });

  test('the token and the sign: unknown token 300001, raw `+`, stale or missing timestamp 310000', async () => {
    const text = { msgtype: 'text', text: { content: 'x' } };
    assert.equal(await code(text, { robot: { accessToken: 'nope' } }), 300001);
    const secret = f.robot.secret!;
    let ts = clock.now();
    while (!dingtalkSignature(ts, secret).includes('+')) ts--;
    const rawSign = await raw(text, { query: `&timestamp=${ts}&sign=${dingtalkSignature(ts, secret)}` });
    assert.deepEqual([rawSign.errcode, rawSign.errmsg.startsWith('sign not match')], [310000, true]);
    const stale = clock.now() - 3_600_001;
    const old = await raw(text, { query: `&${signedQuery(stale, secret)}` });
    assert.deepEqual([old.errcode, old.errmsg.startsWith('invalid timestamp')], [310000, true]);
    assert.equal(await code(text, { query: '' }), 310000);
    assert.equal(await code(text, { query: `&${signedQuery(ts, secret)}` }), 0);
    assert.equal(f.refused(310000), 3);
  });

  test('refused posts do not count toward the 20 a minute; robots count apart; a msgUuid posts once', async () => {
    const robot = f.addRobot({ secret: 'SECcounterrobot' });
    const other = f.addRobot();
    for (let i = 0; i < 5; i++) assert.equal(await code({ msgtype: 'text' }, { robot }), 40035);
    for (let i = 0; i < 20; i++) {
      assert.equal(await code({ msgtype: 'text', text: { content: `n${i}` } }, { robot }), 0);
    }
    assert.equal(await code({ msgtype: 'text', text: { content: 'x' } }, { robot }), 130101);
    assert.equal(f.locked(robot.accessToken), true);
    assert.equal(await code({ msgtype: 'text', text: { content: 'unsigned robot' } }, { robot: other }), 0);
    const once = { msgtype: 'text', text: { content: 'once' }, msgUuid: 'm-1' };
    const before = f.posts.length;
    assert.equal(await code(once, { robot: other }), 0);
    assert.equal(await code(once, { robot: other }), 0);
    assert.equal(f.posts.length, before + 1);
    assert.equal(f.duplicates, 1);
    clock.advance(600_001);
    assert.equal(await code({ msgtype: 'text', text: { content: 'free again' } }, { robot }), 0);
  });

  test('only POST /robot/send is served', async () => {
    const res = await http.request({ method: 'GET', url: `${f.baseUrl}/robot/send?access_token=x` });
    assert.equal(res.status, 404);
    const other = await http.request({ method: 'POST', url: `${f.baseUrl}/robot/other`, json: {} });
    assert.equal(other.status, 404);
  });
});
