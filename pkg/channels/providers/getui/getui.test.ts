import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../testkit/testkit.ts';
import type { SendOutcome } from '../../definition.ts';
import { cidGroups } from './client.ts';
import { type FakeGetuiFailure, type GetuiFake, startGetuiFake } from './fake.ts';
import {
  content,
  failed,
  getuiClient,
  newCid,
  openGetuiTestKits,
  pushDelivery,
  pushTemplate as template,
} from './fixtures.ts';

/**
 * The GeTui provider against its fake (a real local HTTP server that checks signs, tokens,
 * request ids and list sizes as GeTui does), with the kit's real token cache in Redis. Two kits
 * on one Redis and account stand for two handler processes sharing the token.
 */
describe('GeTui push (push/getui)', () => {
  let kits: Awaited<ReturnType<typeof openGetuiTestKits>>;
  const fakes: GetuiFake[] = [];
  /** Every outcome and test result message, checked for secrets and tokens at the end. */
  const messages: string[] = [];

  before(async () => {
    kits = await openGetuiTestKits();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await kits.close();
  });

  const fake = async (opts: Parameters<typeof startGetuiFake>[0] = {}) => {
    const f = await startGetuiFake(opts);
    fakes.push(f);
    return f;
  };
  const keep = <T extends SendOutcome>(o: T): T => {
    if (!o.ok) messages.push(o.message);
    return o;
  };
  const send = async (c: ReturnType<typeof getuiClient>, cid: string, over: Record<string, unknown> = {}) =>
    keep(await c.send({ delivery: pushDelivery(cid), template, content: content(over) }));
  const batch = async (
    c: ReturnType<typeof getuiClient>,
    cids: string[],
    over: Record<string, unknown> = {},
  ) =>
    (await c.sendBatch!({ deliveries: cids.map(pushDelivery), template, content: content(over) })).map(keep);
  const bodyOf = (f: GetuiFake, path: string) =>
    f.requests.filter((r) => r.path.endsWith(path)).map((r) => r.json() as Record<string, unknown>);

  test('one cid: a single push carrying the notification everywhere, the taskid as message id', async () => {
    const f = await fake();
    const d = pushDelivery(newCid());
    const o = await getuiClient(f, kits.kit()).send({
      delivery: d,
      template,
      content: content({ url: 'https://shop.test/o/7', badge: '3' }),
    });
    assert.ok(o.ok && o.providerMessageId?.startsWith('RASS_'), JSON.stringify(o));
    assert.equal(f.calls('/auth'), 1);
    assert.equal(f.calls('/push/list/message'), 0);
    const [body] = bodyOf(f, '/push/single/cid');
    const n = { title: 'Order 7', body: 'Shipped', click_type: 'url', url: 'https://shop.test/o/7' };
    assert.deepEqual(body, {
      request_id: body!.request_id,
      audience: { cid: [d.receiver] },
      push_message: { notification: n },
      push_channel: {
        android: { ups: { notification: n } },
        ios: {
          type: 'notify',
          aps: { alert: { title: 'Order 7', body: 'Shipped' }, 'content-available': 0 },
          auto_badge: '3',
        },
      },
    });
    const rid = String(body!.request_id);
    assert.ok(rid.length >= 10 && rid.length <= 32 && rid.startsWith(d.id.slice(0, 20)), rid);
    assert.match(f.requests.at(-1)!.headers['content-type'] ?? '', /^application\/json;\s?charset=utf-8$/i);
    assert.equal(f.pushes[0]?.taskid, o.ok ? o.providerMessageId : '');
  });

  test('many cids: one list message, its taskid pushed to all of them in one call', async () => {
    const f = await fake();
    const cids = [newCid(), newCid(), newCid()];
    const outcomes = await batch(getuiClient(f, kits.kit()), cids);
    assert.equal(f.calls('/push/list/message'), 1);
    assert.equal(f.calls('/push/list/cid'), 1);
    assert.equal(f.calls('/push/single/cid'), 0);
    const [list] = bodyOf(f, '/push/list/cid');
    const taskid = f.pushes[0]!.taskid;
    assert.deepEqual(list, { audience: { cid: cids }, taskid, is_async: false });
    assert.match(taskid, /^RASL_/);
    assert.deepEqual(
      outcomes,
      cids.map(() => ({ ok: true, providerMessageId: taskid })),
    );
    assert.deepEqual(
      f.pushes.map((p) => p.cid),
      cids,
    );
    assert.equal(f.duplicateRequestIds, 0);
  });

  test('invalid cids fail permanently with the reason, the others are sent', async () => {
    const f = await fake();
    const c = getuiClient(f, kits.kit());
    const [good, gone, bad] = [newCid(), newCid(), newCid()];
    f.invalidCids.add(gone);
    f.invalidCids.add(bad);
    const single = failed(await send(c, gone));
    assert.deepEqual(
      [single.code, single.message, single.retryable, single.failover],
      ['20001', 'target user is invalid', false, undefined],
    );
    const [a, b, x] = await batch(c, [good, gone, 'not a cid!']);
    assert.ok(a?.ok);
    assert.equal(failed(b).code, 'CID_NOT_PUSHED');
    assert.equal(failed(b).retryable, false);
    assert.equal(failed(x).code, 'INVALID_CID');
    const all = await batch(c, [gone, bad]);
    for (const o of all)
      assert.deepEqual([failed(o).code, failed(o).message], ['20001', 'target user is invalid']);
    assert.equal(f.pushedTo(good), 1);
    assert.ok(
      !f.requests.some((r) => r.body.includes('not a cid!')),
      'a receiver that is no cid is never sent',
    );
  });

  test('per-cid statuses: offline is sent, successed_ignore (inactive 90 days) is a permanent failure', async () => {
    const f = await fake();
    const [on, off, idle] = [newCid(), newCid(), newCid()];
    f.cidStatus.set(off, 'successed_offline');
    f.cidStatus.set(idle, 'successed_ignore');
    const [a, b, c] = await batch(getuiClient(f, kits.kit()), [on, off, idle]);
    assert.ok(a?.ok && b?.ok);
    const i = failed(c);
    assert.equal(i.code, 'successed_ignore');
    assert.equal(i.retryable, false);
    assert.match(i.message, /inactive for 90 days/);
    assert.equal(failed(await send(getuiClient(f, kits.kit()), idle)).code, 'successed_ignore');
  });

  test('over 1000 cids and a repeated cid go into separate calls; no list names a cid twice', async () => {
    const f = await fake();
    const cids = Array.from({ length: 1000 }, newCid);
    const outcomes = await batch(getuiClient(f, kits.kit()), [...cids, cids[0]!, newCid(), cids[1]!]);
    assert.equal(outcomes.length, 1003);
    assert.ok(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes.filter((o) => !o.ok).slice(0, 2)),
    );
    const sizes = bodyOf(f, '/push/list/cid').map((b) => (b.audience as { cid: string[] }).cid.length);
    assert.deepEqual(
      sizes.sort((x, y) => x - y),
      [3, 1000],
    );
    assert.equal(f.pushedTo(cids[0]!), 2);
    assert.deepEqual(cidGroups(['c1', 'c2', 'c1', 'bad id'].map(pushDelivery)), [[0, 1], [2]]);
  });

  test('a retry of the same delivery carries a new request_id (GeTui drops a repeated one)', async () => {
    const f = await fake();
    const c = getuiClient(f, kits.kit());
    const d = pushDelivery(newCid());
    const again = { ...d, attempt: 2 };
    for (const delivery of [d, again])
      assert.ok((await c.send({ delivery, template, content: content() })).ok);
    const ds = [pushDelivery(newCid()), pushDelivery(newCid())];
    for (let i = 0; i < 2; i++) {
      const got = await c.sendBatch!({ deliveries: ds, template, content: content() });
      assert.ok(got.every((o) => o.ok));
    }
    assert.equal(f.duplicateRequestIds, 0);
    assert.equal(f.pushedTo(d.receiver), 2);
    assert.equal(f.pushedTo(ds[0]!.receiver), 2);
  });

  test('one token serves every send, across two processes sharing Redis', async () => {
    const f = await fake();
    const [p1, p2] = [
      getuiClient(f, kits.kit({ accountId: 21 })),
      getuiClient(f, kits.kit({ accountId: 21 })),
    ];
    const outcomes = await Promise.all([
      send(p1, newCid()),
      send(p2, newCid()),
      batch(p1, [newCid(), newCid()]),
      batch(p2, [newCid()]),
    ]);
    assert.ok(outcomes.flat().every((o) => o.ok));
    assert.equal(f.calls('/auth'), 1);
  });

  test('an expired token (10001) is refreshed exactly once, with fresh request_ids on the retries', async () => {
    const f = await fake();
    const [p1, p2] = [
      getuiClient(f, kits.kit({ accountId: 22 })),
      getuiClient(f, kits.kit({ accountId: 22 })),
    ];
    assert.ok((await send(p1, newCid())).ok);
    f.expireTokens();
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => send(i % 2 ? p1 : p2, newCid())));
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      outcomes.map(() => true),
      JSON.stringify(outcomes),
    );
    assert.ok(f.tokenRefusals >= 1, 'the fake never refused the expired token');
    assert.equal(f.calls('/auth'), 2);
    assert.equal(f.pushes.length, 7);
    assert.equal(f.duplicateRequestIds, 0);
    // A token refused again after the refresh: one refresh, one retry, then the failure.
    f.failNext({ code: 10001, msg: 'token is invalid' }, { times: 2 });
    const o = failed(await send(p1, newCid()));
    assert.deepEqual([o.code, o.tokenExpired, o.retryable], ['10001', true, true]);
    assert.equal(f.calls('/auth'), 3);
  });

  const CODES: [
    FakeGetuiFailure,
    Partial<Record<'code' | 'retryable' | 'failover' | 'rateLimited' | 'retryAfterMs', unknown>>,
  ][] = [
    [
      { code: 1, msg: 'failed' },
      { code: '1', retryable: false, failover: undefined },
    ],
    [
      { code: 2, msg: 'service starting' },
      { code: '2', retryable: true, failover: true },
    ],
    [
      { code: 301, msg: 'domain error' },
      { code: '301', retryable: false, failover: true },
    ],
    [
      { code: 10002, msg: 'appId or ip in blacklist' },
      { code: '10002', retryable: false, failover: true },
    ],
    [{ code: 10003 }, { code: '10003', rateLimited: true, retryAfterMs: 60_000 }],
    [{ code: 10004 }, { code: '10004', retryable: false, failover: true }],
    [
      { code: 10005, msg: 'too frequently' },
      { code: '10005', rateLimited: true, retryAfterMs: 60_000, failover: true },
    ],
    [
      { code: 20001, msg: 'cid size over limit' },
      { code: '20001', retryable: false, failover: undefined },
    ],
    [{ code: 30000 }, { code: '30000', retryable: false, failover: true }],
    [
      { status: 500, body: 'oops' },
      { code: 'HTTP_500', retryable: true, failover: true },
    ],
    [
      { status: 403, body: '' },
      { code: 'HTTP_403', retryable: false, failover: true },
    ],
    [
      { status: 404, body: 'no' },
      { code: 'HTTP_404', retryable: false, failover: undefined },
    ],
    [
      { status: 429, body: 'slow', headers: { 'retry-after': '7' } },
      { code: 'HTTP_429', rateLimited: true, retryAfterMs: 7000 },
    ],
    [
      { status: 200, body: '<html>proxy</html>' },
      { code: 'BAD_RESPONSE', retryable: true, failover: undefined },
    ],
  ];
  test('each documented code is classified as the table says (single and list pushes alike)', async () => {
    const f = await fake();
    const c = getuiClient(f, kits.kit());
    for (const [injected, want] of CODES) {
      f.failNext(injected);
      const got = failed(await send(c, newCid()));
      for (const [k, v] of Object.entries(want))
        assert.equal(got[k as keyof typeof got], v, `${JSON.stringify(injected)} → ${k}`);
      f.failNext(injected, { path: '/push/list/cid' });
      const [l1, l2] = await batch(c, [newCid(), newCid()]);
      assert.equal(failed(l1).code, want.code);
      assert.equal(failed(l2).code, want.code);
    }
    // The list message failing: nothing went to anyone, so even a timeout-free busy answer fails over.
    f.failNext({ code: 2 }, { path: '/push/list/message' });
    const created = await batch(c, [newCid(), newCid()]);
    assert.ok(created.every((o) => !o.ok && o.code === '2' && o.failover));
    assert.equal(f.calls('/push/list/cid'), CODES.length);
  });

  test('a push without an answer is in doubt (no failover); an auth or list message without one is not', async () => {
    const f = await fake();
    const c = getuiClient(f, kits.kit(), { timeoutMs: 250 });
    f.delay(600);
    const auth = failed(await send(c, newCid()));
    assert.deepEqual([auth.code, auth.inDoubt, auth.failover], ['HTTP_TIMEOUT', undefined, true]);
    f.delay(0);
    assert.ok((await send(c, newCid())).ok);
    f.delay(600);
    const push = failed(await send(c, newCid()));
    assert.deepEqual(
      [push.code, push.inDoubt, push.failover, push.retryable],
      ['HTTP_TIMEOUT', true, undefined, true],
    );
    const list = await batch(c, [newCid(), newCid()]);
    for (const o of list)
      assert.deepEqual(
        [failed(o).code, failed(o).inDoubt, failed(o).failover],
        ['HTTP_TIMEOUT', undefined, true],
      );
    f.delay(0);
  });

  test('wrong credentials are the account’s failure; unreachable GeTui is retryable; never a throw', async () => {
    const f = await fake();
    const wrong = `wrong-${newCid()}`;
    const c = getuiClient(f, kits.kit(), { masterSecret: wrong });
    const o = failed(await send(c, newCid()));
    assert.deepEqual([o.code, o.message, o.retryable, o.failover], ['20001', 'sign is invalid', false, true]);
    const down = getuiClient(f, kits.kit(), {
      baseUrl: `http://127.0.0.1:${await freePort()}/v2/${f.appId}`,
      masterSecret: wrong,
    });
    const d = failed(await send(down, newCid()));
    assert.deepEqual([d.code, d.retryable, d.failover], ['HTTP_CONNECT', true, true]);
    assert.ok(!d.message.includes(wrong) && !o.message.includes(wrong));
    assert.equal(f.pushes.length, 0);
    assert.equal(
      failed(await send(getuiClient(f, kits.kit()), newCid(), { badge: '{$unread}' })).code,
      'BAD_CONTENT',
    );
  });

  test('testConnection: a fresh auth every time, its refusal with the code and no secret', async () => {
    const f = await fake();
    const c = getuiClient(f, kits.kit());
    assert.deepEqual(await c.testConnection!(), { ok: true });
    assert.ok((await send(c, newCid())).ok);
    assert.deepEqual(await c.testConnection!(), { ok: true });
    assert.equal(f.calls('/auth'), 3, 'a test never answers from the cached token');
    const wrong = `wrong-${newCid()}`;
    const t = await getuiClient(f, kits.kit(), { masterSecret: wrong }).testConnection!();
    assert.ok(!t.ok && t.code === '20001' && !t.message.includes(wrong), JSON.stringify(t));
    messages.push(t.ok ? '' : t.message);
    const other = getuiClient(f, kits.kit(), { appKey: 'someoneElse' });
    const k = await other.testConnection!();
    assert.ok(!k.ok && k.code === '20001', JSON.stringify(k));
  });

  test('no outcome message carries a master secret or a token', () => {
    const secrets = fakes.flatMap((f) => [
      f.masterSecret,
      ...f.requests.map((r) => r.headers.token).filter((t): t is string => Boolean(t)),
    ]);
    assert.ok(messages.length > 20 && secrets.length > 10);
    for (const m of messages) for (const s of secrets) assert.ok(!m.includes(s), `"${m}" carries a secret`);
  });
});
