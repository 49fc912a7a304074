import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../../domain/delivery.ts';
import { startFakeHttp } from '../../../testkit/fake-http.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { freePort, randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import { jsonSchemaOf } from '../../secret.ts';
import { useridGroups } from './client.ts';
import type { DingtalkWorkContent } from './content.ts';
import { dingtalkWork } from './definition.ts';
import { type DingtalkWorkFake, startDingtalkWorkFake } from './fake.ts';

/**
 * Sending work notices against the fake (a real local HTTP server that checks tokens, agent id,
 * receivers and message shapes as DingTalk does), with the kit's real token cache in Redis. Two
 * kits on one Redis and one account id stand for two handler processes sharing the token.
 */
describe('DingTalk work notice (dingtalk_work/dingtalk): sending', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: { close(): Promise<void> }[] = [];

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const fake = async (opts: Parameters<typeof startDingtalkWorkFake>[0] = {}) => {
    const f = await startDingtalkWorkFake(opts);
    fakes.push(f);
    return f;
  };
  let nextAccount = 100;
  /** A client of `accountId` as one handler process builds it (each call: its own kit). */
  const clientOf = (f: DingtalkWorkFake, over: Record<string, unknown> = {}, accountId = nextAccount++) =>
    dingtalkWork.create(
      dingtalkWork.config.parse({
        appKey: f.appKey,
        appSecret: f.appSecret,
        agentId: String(f.agentId),
        baseUrl: f.baseUrl,
        ...over,
      }),
      createKit({ redis: r.redis, keys: r.keys, accountId, http, publicHttp: http }),
      { id: accountId, channel: 'dingtalk_work', provider: 'dingtalk' },
    ) as ProviderClient<DingtalkWorkContent>;

  const template = testTemplate({ channel: 'dingtalk_work', content: { text: 'Hello' } });
  const delivery = (receiver: string): Delivery =>
    testDelivery({ id: `m-${randomTag()}`, channel: 'dingtalk_work', receiver });
  const text = (t: string): DingtalkWorkContent => ({ type: 'text', text: t });
  const batch = (c: ProviderClient<DingtalkWorkContent>, receivers: string[], content = text('Hello')) =>
    c.sendBatch!({ deliveries: receivers.map(delivery), template, content });
  const send = (c: ProviderClient<DingtalkWorkContent>, receiver: string, content = text('Hello')) =>
    c.send({ delivery: delivery(receiver), template, content });
  const failed = (o: SendOutcome | undefined) => {
    assert.ok(o && !o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };
  const SEND = '/topapi/message/corpconversation/asyncsend_v2';

  test('three users get one text notice in one call; every delivery carries its task_id', async () => {
    const f = await fake();
    const outcomes = await batch(clientOf(f), ['ann', 'bob', 'cid'], text('Order 7 shipped'));
    assert.equal(f.tasks.length, 1);
    const [t] = f.tasks;
    assert.deepEqual(t!.body, {
      agent_id: f.agentId,
      userid_list: 'ann,bob,cid',
      msg: { msgtype: 'text', text: { content: 'Order 7 shipped' } },
    });
    assert.deepEqual(
      outcomes,
      ['ann', 'bob', 'cid'].map(() => ({ ok: true, providerMessageId: t!.taskId })),
    );
  });

  test('every message type goes out in the msg shape DingTalk reads', async () => {
    const f = await fake();
    const c = clientOf(f);
    const cases: [unknown, Record<string, unknown>][] = [
      [
        { type: 'markdown', title: 'Report', text: '## Sales\n+5%' },
        { msgtype: 'markdown', markdown: { title: 'Report', text: '## Sales\n+5%' } },
      ],
      [
        {
          type: 'link',
          title: 'Order',
          text: 'shipped',
          messageUrl: 'https://shop.test/o/1',
          picUrl: '@lALO1',
        },
        {
          msgtype: 'link',
          link: { title: 'Order', text: 'shipped', messageUrl: 'https://shop.test/o/1', picUrl: '@lALO1' },
        },
      ],
      [
        {
          type: 'action_card',
          title: 'Leave',
          markdown: '**Ann** asks',
          single_title: 'Open',
          single_url: 'https://x.test/1',
        },
        {
          msgtype: 'action_card',
          action_card: {
            title: 'Leave',
            markdown: '**Ann** asks',
            single_title: 'Open',
            single_url: 'https://x.test/1',
          },
        },
      ],
      [
        {
          type: 'action_card',
          title: 'Leave',
          markdown: 'Approve?',
          btn_orientation: '1',
          btn_json_list: [
            { title: 'Yes', action_url: 'https://x.test/y' },
            { title: 'No', action_url: 'https://x.test/n' },
          ],
        },
        {
          msgtype: 'action_card',
          action_card: {
            title: 'Leave',
            markdown: 'Approve?',
            btn_orientation: '1',
            btn_json_list: [
              { title: 'Yes', action_url: 'https://x.test/y' },
              { title: 'No', action_url: 'https://x.test/n' },
            ],
          },
        },
      ],
      [
        {
          type: 'oa',
          message_url: 'https://x.test/oa',
          head: { bgcolor: 'FFBBBBBB', text: 'HR' },
          status_bar: { status_value: 'Pending', status_bg: 'FFF65E5E' },
          body: {
            title: 'Payslip',
            form: [{ key: 'Month', value: 'May' }],
            rich: { num: '1200', unit: 'CNY' },
          },
        },
        {
          msgtype: 'oa',
          oa: {
            message_url: 'https://x.test/oa',
            head: { bgcolor: 'FFBBBBBB', text: 'HR' },
            status_bar: { status_value: 'Pending', status_bg: 'FFF65E5E' },
            body: {
              title: 'Payslip',
              form: [{ key: 'Month', value: 'May' }],
              rich: { num: '1200', unit: 'CNY' },
            },
          },
        },
      ],
    ];
    for (const [input, msg] of cases) {
      const content = dingtalkWork.content.parse(input);
      const o = await send(c, 'ann', content);
      assert.equal(o.ok, true, JSON.stringify(o));
      assert.deepEqual(f.tasks.at(-1)!.body.msg, msg);
    }
    assert.equal(f.tasks.length, cases.length);
  });

  test('@all goes alone with to_all_user; a repeat, over 5000 and an unsendable userid are split or refused', async () => {
    const f = await fake();
    const c = clientOf(f);
    const [ann, all, bob] = await batch(c, ['ann', '@all', 'bob']);
    assert.ok(ann?.ok && all?.ok && bob?.ok);
    const bodies = f.tasks.map((t) => t.body);
    const everyone = bodies.find((b) => b.to_all_user === true);
    assert.deepEqual(Object.keys(everyone ?? {}).sort(), ['agent_id', 'msg', 'to_all_user']);
    assert.ok(bodies.some((b) => b.userid_list === 'ann,bob'));
    assert.notEqual(all.providerMessageId, ann.providerMessageId);

    assert.deepEqual(useridGroups(['ann', '@all', 'bob', 'ann', 'eve,mal', ' pad'].map(delivery)), [
      [0, 2],
      [1],
      [3],
    ]);
    const before = f.tasks.length;
    const many = Array.from({ length: 5001 }, (_, i) => `u${i}`);
    const outcomes = await batch(c, [...many, 'eve,mal']);
    assert.equal(outcomes.length, 5002);
    assert.ok(outcomes.slice(0, 5001).every((o) => o.ok));
    const smuggled = failed(outcomes[5001]);
    assert.equal(smuggled.code, 'INVALID_USER');
    assert.equal(smuggled.retryable, false);
    const sizes = f.tasks.slice(before).map((t) => t.userids.length);
    assert.deepEqual(
      sizes.sort((a, b) => a - b),
      [1, 5000],
    );
    assert.ok(!f.tasks.some((t) => t.userids.includes('eve') || t.userids.includes('mal')));
  });

  test('the fake refuses what DingTalk refuses: over 5000 userids, a malformed list, a bad msg', async () => {
    const f = await fake();
    const c = clientOf(f);
    assert.equal((await send(c, 'warm-up')).ok, true);
    const token = new URL(f.requests.at(-1)!.url, 'http://x').searchParams.get('access_token')!;
    const post = async (body: unknown) => {
      const res = await http.request({
        method: 'POST',
        url: `${f.baseUrl}${SEND}?access_token=${token}`,
        json: body,
      });
      return res.json() as { errcode: number };
    };
    const msg = { msgtype: 'text', text: { content: 'x' } };
    const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`).join(',');
    assert.equal((await post({ agent_id: f.agentId, userid_list: users(5000), msg })).errcode, 0);
    assert.equal((await post({ agent_id: f.agentId, userid_list: users(5001), msg })).errcode, 40035);
    assert.equal((await post({ agent_id: f.agentId, userid_list: 'ann,,bob', msg })).errcode, 40035);
    assert.equal((await post({ agent_id: f.agentId, msg })).errcode, 1430000);
    assert.equal(
      (await post({ agent_id: f.agentId, userid_list: 'ann', msg: { msgtype: 'text', text: {} } })).errcode,
      40035,
    );
    assert.equal((await post({ agent_id: f.agentId + 1, userid_list: 'ann', msg })).errcode, 40056);
  });

  test('one token serves every send, across two processes sharing Redis', async () => {
    const f = await fake();
    const p1 = clientOf(f, {}, 11);
    const p2 = clientOf(f, {}, 11);
    const outcomes = await Promise.all([
      send(p1, 'ann'),
      send(p2, 'bob'),
      batch(p1, ['cid', 'dan']),
      batch(p2, ['eve']),
    ]);
    assert.ok(outcomes.flat().every((o) => o.ok));
    assert.equal(f.tasks.length, 4);
    assert.equal(f.tokenCalls, 1);
  });

  for (const style of ['sub_code', 'errcode'] as const) {
    test(`a token expiring mid-run costs exactly one refresh (refused as ${style})`, async () => {
      const f = await fake({ tokenRefusal: style });
      const id = style === 'sub_code' ? 21 : 22;
      const p1 = clientOf(f, {}, id);
      const p2 = clientOf(f, {}, id);
      assert.equal((await send(p1, 'ann')).ok, true);
      assert.equal(f.tokenCalls, 1);
      f.expireTokens();
      const outcomes = await Promise.all(
        ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((u, i) => send(i % 2 ? p1 : p2, u)),
      );
      assert.deepEqual(
        outcomes.map((o) => o.ok),
        outcomes.map(() => true),
        JSON.stringify(outcomes),
      );
      assert.ok(f.tokenRefusals >= 1, 'the fake never refused the expired token');
      assert.equal(f.tokenCalls, 2);
      assert.equal(f.tasks.length, 7);
    });
  }

  test('bad AppKey/AppSecret or agent id: the account cannot send; testConnection says so, secret-free', async () => {
    const f = await fake();
    const wrong = `wrong-${randomTag()}-${randomTag()}`;
    const c = clientOf(f, { appSecret: wrong });
    const o = failed(await send(c, 'ann'));
    assert.equal(o.code, '40089');
    assert.equal(o.retryable, false);
    assert.equal(o.failover, true);
    assert.ok(!o.message.includes(wrong));
    const t = await c.testConnection!();
    assert.ok(!t.ok && t.code === '40089' && !t.message.includes(wrong), JSON.stringify(t));
    assert.deepEqual(await clientOf(f).testConnection!(), { ok: true });
    assert.equal(failed(await send(clientOf(f, { appKey: 'dingunknown' }), 'ann')).code, '40089');
    const agent = failed(await send(clientOf(f, { agentId: f.agentId + 1 }), 'ann'));
    assert.equal(agent.code, '40056');
    assert.equal(agent.failover, true);
    assert.equal(f.tasks.length, 0);
  });

  test('each error code is classified as the table says', async () => {
    const f = await fake();
    const c = clientOf(f);
    const got = async (fail: Parameters<DingtalkWorkFake['fail']>[0]) => {
      f.fail(fail);
      return failed(await send(c, `u${randomTag()}`));
    };
    const busy = await got({ errcode: -1 });
    assert.deepEqual([busy.code, busy.retryable, busy.failover], ['-1', true, true]);
    const quota = await got({ errcode: 143103 });
    assert.deepEqual([quota.code, quota.rateLimited, quota.retryAfterMs], ['143103', true, 60_000]);
    const guard = await got({ errcode: 1430003 });
    assert.equal(guard.rateLimited, true);
    const perm = await got({ errcode: 88, subCode: '60011' });
    assert.deepEqual([perm.code, perm.retryable, perm.failover], ['60011', false, true]);
    assert.match(perm.message, /errcode 88/);
    const banned = await got({ errcode: 1430002 });
    assert.deepEqual([banned.code, banned.retryable, banned.failover], ['1430002', false, undefined]);
    const unknown = await got({ errcode: 77777 });
    assert.deepEqual([unknown.code, unknown.retryable], ['77777', false]);
    const down = await got({ errcode: 0, status: 502 });
    assert.deepEqual([down.code, down.retryable, down.failover], ['HTTP_502', true, true]);
    // A bare 88 reads as a stale token (§5.1): one refresh, one retry, and the send goes out.
    const calls = f.tokenCalls;
    f.fail({ errcode: 88 });
    assert.equal((await send(c, 'ann')).ok, true);
    assert.equal(f.tokenCalls, calls + 1);
  });

  test('DingTalk unreachable is retryable; no answer in time is in doubt, never failed over', async () => {
    const secretText = `s-${randomTag()}`;
    const f = await fake();
    const down = clientOf(f, { baseUrl: `http://127.0.0.1:${await freePort()}`, appSecret: secretText });
    const o = failed(await send(down, 'ann'));
    assert.deepEqual([o.code, o.retryable, o.failover], ['HTTP_CONNECT', true, true]);
    assert.ok(!o.message.includes(secretText));
    const slow = await fake({ sendDelayMs: 1500 });
    const c = clientOf(slow, { timeoutMs: 300 });
    const t = failed(await send(c, 'ann'));
    assert.deepEqual([t.code, t.retryable, t.inDoubt, t.failover], ['HTTP_TIMEOUT', true, true, undefined]);
  });

  test('an answer quoting the token or the secret reaches no outcome', async () => {
    const secretText = `sec-${randomTag()}`;
    const tokenText = `tok-${randomTag()}`;
    const echo = await startFakeHttp((req) =>
      req.path === '/gettoken'
        ? req.query.appsecret === secretText
          ? { status: 200, body: { errcode: 0, errmsg: 'ok', access_token: tokenText, expires_in: 7200 } }
          : { status: 200, body: { errcode: 40089, errmsg: `bad secret ${req.query.appsecret}` } }
        : { status: 500, body: `upstream failed for ${req.url}` },
    );
    fakes.push(echo);
    const cfg = { appKey: 'k', agentId: 1, baseUrl: echo.url };
    const mk = (appSecret: string) =>
      dingtalkWork.create(
        dingtalkWork.config.parse({ ...cfg, appSecret }),
        createKit({ redis: r.redis, keys: r.keys, accountId: nextAccount++, http, publicHttp: http }),
        { id: 1, channel: 'dingtalk_work', provider: 'dingtalk' },
      );
    const o = failed(await send(mk(secretText) as ProviderClient<DingtalkWorkContent>, 'ann'));
    assert.equal(o.code, 'HTTP_500');
    assert.ok(o.message.includes('upstream failed') && !o.message.includes(tokenText), o.message);
    const wrong = `wrong-${randomTag()}`;
    const bad = failed(await send(mk(wrong) as ProviderClient<DingtalkWorkContent>, 'ann'));
    assert.ok(bad.message.includes('bad secret') && !bad.message.includes(wrong), bad.message);
  });

  test('a rendered message over 2048 bytes fails permanently without a call', async () => {
    const f = await fake();
    const o = failed(await send(clientOf(f), 'ann', text('单'.repeat(700))));
    assert.deepEqual([o.code, o.retryable], ['MESSAGE_TOO_LONG', false]);
    assert.equal(f.calls(SEND), 0);
  });

  test('the content schema reads the text shorthand and enforces the msg rules', () => {
    const c = dingtalkWork.content;
    assert.deepEqual(c.parse({ text: 'Hello {$name}' }), { type: 'text', text: 'Hello {$name}' });
    // 660 CJK characters (1980 bytes) fit beside the msg's 40 bytes of JSON; 670 (2010) do not.
    assert.equal(c.safeParse({ text: '单'.repeat(660) }).success, true);
    assert.equal(c.safeParse({ text: '单'.repeat(670) }).success, false);
    const card = { type: 'action_card', title: 'T', markdown: 'm' };
    assert.equal(c.safeParse(card).success, false);
    assert.equal(c.safeParse({ ...card, single_title: 'Open' }).success, false);
    assert.equal(
      c.safeParse({
        ...card,
        single_title: 'O',
        single_url: 'u',
        btn_json_list: [{ title: 'a', action_url: 'b' }],
      }).success,
      false,
    );
    const oa = {
      type: 'oa',
      message_url: 'https://x.test',
      head: { bgcolor: 'FFBBBBBB' },
      body: { content: 'c' },
    };
    assert.equal(c.safeParse(oa).success, true);
    assert.equal(c.safeParse({ ...oa, head: { bgcolor: 'red' } }).success, false);
    assert.equal(c.safeParse({ ...oa, body: {} }).success, false);
    assert.equal(
      c.safeParse({ type: 'link', title: 't', text: 'x', messageUrl: 'https://x.test' }).success,
      false,
    );
    assert.equal(c.safeParse({ type: 'image', media_id: '@x' }).success, false);
  });

  test('the config schema marks appSecret writeOnly, reads agentId from a string, defaults the host', () => {
    const schema = jsonSchemaOf(dingtalkWork.config) as {
      properties: Record<string, { writeOnly?: boolean }>;
    };
    assert.equal(schema.properties.appSecret?.writeOnly, true);
    assert.equal(schema.properties.appKey?.writeOnly, undefined);
    const cfg = dingtalkWork.config.parse({ appKey: 'k', appSecret: 's', agentId: '2345678901' });
    assert.deepEqual(cfg, {
      appKey: 'k',
      appSecret: 's',
      agentId: 2345678901,
      baseUrl: 'https://oapi.dingtalk.com',
      timeoutMs: 10_000,
    });
    assert.equal(
      dingtalkWork.config.safeParse({ appKey: 'k', appSecret: 's', agentId: 1, x: 1 }).success,
      false,
    );
    assert.equal(
      dingtalkWork.config.safeParse({ appKey: 'k', appSecret: 's', agentId: 'abc' }).success,
      false,
    );
    assert.deepEqual(dingtalkWork.capabilities, {
      batch: 5000,
      recall: true,
      receipts: true,
      testConnection: true,
    });
    assert.deepEqual(
      [dingtalkWork.channel, dingtalkWork.provider, dingtalkWork.receivers],
      ['dingtalk_work', 'dingtalk', ['user_id']],
    );
  });
});
