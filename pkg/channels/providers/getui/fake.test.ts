import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CallResult, fetchGetuiToken, getuiCall } from './api.ts';
import { getuiConfig } from './config.ts';
import { type GetuiFake, startGetuiFake } from './fake.ts';
import { getuiAccountConfig, newCid, openGetuiTestKits } from './fixtures.ts';
import { getuiSign } from './sign.ts';

/**
 * The fake refuses what GeTui refuses (requests the client never builds, sent raw through the
 * call layer), so that the client's tests against it mean something.
 */
describe('the GeTui fake checks what GeTui checks', () => {
  let kits: Awaited<ReturnType<typeof openGetuiTestKits>>;
  let f: GetuiFake;
  let clock = Date.now();
  let token: string;
  before(async () => {
    kits = await openGetuiTestKits();
    f = await startGetuiFake({ now: () => clock, authPerMinute: 7 });
    token = (await fetchGetuiToken(kits.kit({ now: () => clock }), getuiConfig.parse(getuiAccountConfig(f))))
      .token;
  });
  after(async () => {
    await f.close();
    await kits.close();
  });

  const post = (path: string, json: unknown, t: string | null = token): Promise<CallResult> =>
    getuiCall(
      kits.kit(),
      { url: `${f.baseUrl}${path}`, headers: t ? { token: t } : {}, json, timeoutMs: 5000 },
      { secrets: [], pushes: true },
    );
  const outcome = (r: CallResult) => (r.ok ? 'ok' : `${r.code} ${r.message}`);
  const note = { title: 'Hi', body: 'Yo', click_type: 'startapp' };
  let n = 0;
  const rid = () => `req-${Date.now()}-${n++}`.padEnd(12, '0');
  const single = (cid: unknown, over: Record<string, unknown> = {}) => ({
    request_id: rid(),
    audience: { cid: [cid].flat() },
    push_message: { notification: note },
    ...over,
  });

  test('auth: the sign, the appkey and a timestamp near its clock decide', async () => {
    const ts = String(clock);
    const good = { appkey: f.appKey, timestamp: ts, sign: getuiSign(f.appKey, ts, f.masterSecret) };
    assert.equal(outcome(await post('/auth', good, null)), 'ok');
    assert.equal(
      outcome(await post('/auth', { ...good, timestamp: Number(ts) }, null)),
      'ok',
      'a number too',
    );
    assert.equal(
      outcome(await post('/auth', { ...good, sign: getuiSign(f.appKey, ts, 'wrong') }, null)),
      '20001 sign is invalid',
    );
    assert.equal(outcome(await post('/auth', { ...good, appkey: 'other' }, null)), '20001 appkey is invalid');
    const old = String(clock - 11 * 60_000);
    assert.equal(
      outcome(
        await post(
          '/auth',
          { ...good, timestamp: old, sign: getuiSign(f.appKey, old, f.masterSecret) },
          null,
        ),
      ),
      '20001 timestamp is expired',
    );
    assert.equal(
      outcome(await post('/auth', { ...good, timestamp: ts.slice(0, 10) }, null)),
      '20001 timestamp is invalid',
    );
    // 7 per minute here (GeTui: 100), with the one of before(): the 8th within the minute is refused, the next minute is free.
    const r = await post('/auth', good, null);
    assert.ok(!r.ok && r.code === '10003' && r.rateLimited && r.retryAfterMs === 60_000, JSON.stringify(r));
    clock += 60_001;
    const fresh = String(clock);
    assert.equal(
      outcome(
        await post(
          '/auth',
          { ...good, timestamp: fresh, sign: getuiSign(f.appKey, fresh, f.masterSecret) },
          null,
        ),
      ),
      'ok',
    );
  });

  test('pushes need a live token: missing, unknown and expired ones answer 10001 (HTTP 401)', async () => {
    const cid = newCid();
    assert.equal(outcome(await post('/push/single/cid', single(cid), null)), '10001 token is invalid');
    assert.equal(
      outcome(await post('/push/single/cid', single(cid), 'f'.repeat(32))),
      '10001 token is invalid',
    );
    assert.equal(outcome(await post('/push/single/cid', single(cid))), 'ok');
    f.expireTokens();
    const r = await post('/push/single/cid', single(cid));
    assert.ok(!r.ok && r.code === '10001' && r.tokenExpired, JSON.stringify(r));
    assert.equal(f.requests.at(-1)?.headers.token, token);
    token = (await fetchGetuiToken(kits.kit({ now: () => clock }), getuiConfig.parse(getuiAccountConfig(f))))
      .token;
  });

  test('request_id: 10–32 characters, and a repeated one is dropped (nothing pushed, no results)', async () => {
    const cid = newCid();
    assert.equal(
      outcome(await post('/push/single/cid', single(cid, { request_id: 'short' }))),
      '20001 request_id is invalid',
    );
    assert.equal(
      outcome(await post('/push/single/cid', single(cid, { request_id: 'x'.repeat(33) }))),
      '20001 request_id is invalid',
    );
    const body = single(cid);
    const first = await post('/push/single/cid', body);
    assert.ok(first.ok);
    const again = await post('/push/single/cid', body);
    assert.ok(again.ok);
    assert.deepEqual(again.answer.data, {});
    assert.equal(f.pushedTo(cid), 1);
    assert.equal(f.duplicateRequestIds, 1);
  });

  test('single push: one known cid of 32 hex characters; notification fields and limits', async () => {
    const cid = newCid();
    const r = await post('/push/single/cid', single(cid));
    assert.ok(r.ok);
    const [taskid, results] = Object.entries(r.answer.data as Record<string, unknown>)[0]!;
    assert.match(taskid, /^RASS_\d{4}_[0-9a-f]{32}$/);
    assert.deepEqual(results, { [cid]: 'successed_online' });
    assert.equal(
      outcome(await post('/push/single/cid', single([cid, newCid()]))),
      '20001 audience.cid size over limit',
    );
    assert.equal(
      outcome(await post('/push/single/cid', single('NOT-A-CID'))),
      '20001 target user is invalid',
    );
    f.invalidCids.add(cid);
    assert.equal(outcome(await post('/push/single/cid', single(cid))), '20001 target user is invalid');
    const other = newCid();
    const msg = (notification: unknown) => single(other, { push_message: { notification } });
    assert.equal(
      outcome(await post('/push/single/cid', msg({ ...note, title: 't'.repeat(51) }))),
      '20001 notification.title size over limit',
    );
    assert.equal(
      outcome(await post('/push/single/cid', msg({ ...note, body: '' }))),
      '20001 notification.body can not be empty',
    );
    assert.equal(
      outcome(await post('/push/single/cid', msg({ ...note, click_type: 'url' }))),
      '20001 notification.url can not be empty',
    );
    assert.equal(
      outcome(await post('/push/single/cid', msg({ ...note, click_type: 'open' }))),
      '20001 notification.click_type is invalid',
    );
    assert.equal(
      outcome(
        await post(
          '/push/single/cid',
          single(other, { push_message: { notification: note, transmission: 'x' } }),
        ),
      ),
      '20001 please choose one of notification and transmission and revoke',
    );
    assert.equal(f.pushedTo(other), 0);
  });

  test('list push: a taskid it made, 1–1000 distinct cids, unknown cids left out, none known → 20001', async () => {
    const created = await post('/push/list/message', {
      request_id: rid(),
      push_message: { notification: note },
    });
    assert.ok(created.ok);
    const taskid = (created.answer.data as { taskid: string }).taskid;
    assert.match(taskid, /^RASL_\d{4}_[0-9a-f]{32}$/);
    const list = (cid: unknown[], t = taskid) => ({ audience: { cid }, taskid: t, is_async: false });
    const many = Array.from({ length: 1001 }, newCid);
    assert.equal(outcome(await post('/push/list/cid', list(many))), '20001 audience.cid size over limit');
    assert.equal(outcome(await post('/push/list/cid', list([]))), '20001 audience.cid can not be empty');
    assert.equal(
      outcome(await post('/push/list/cid', list([many[0], many[0]]))),
      '20001 contains duplicate cid',
    );
    assert.equal(
      outcome(await post('/push/list/cid', list([many[0]], 'RASL_0101_nope'))),
      '20001 taskid is invalid',
    );
    assert.equal(
      outcome(await post('/push/list/cid', list(['bad', 'worse']))),
      '20001 target user is invalid',
    );
    f.invalidCids.add(many[1]!);
    f.cidStatus.set(many[2]!, 'successed_offline');
    const r = await post('/push/list/cid', list(many.slice(0, 1000)));
    assert.ok(r.ok);
    const results = (r.answer.data as Record<string, Record<string, string>>)[taskid]!;
    assert.equal(Object.keys(results).length, 999);
    assert.equal(results[many[1]!], undefined);
    assert.equal(results[many[2]!], 'successed_offline');
    assert.equal(results[many[3]!], 'successed_online');
    assert.equal(f.pushes.filter((p) => p.taskid === taskid).length, 999);
  });

  test('codes come with the HTTP status GeTui pairs them with; injected failures too', async () => {
    const raw = async (json: unknown, t = token) => {
      const res = await fetch(`${f.baseUrl}/push/single/cid`, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=utf-8', token: t },
        body: JSON.stringify(json),
      });
      return [res.status, ((await res.json()) as { code: number }).code];
    };
    assert.deepEqual(await raw(single(newCid())), [200, 0]);
    assert.deepEqual(await raw(single('bad')), [400, 20001]);
    assert.deepEqual(await raw(single(newCid()), 'nope'), [401, 10001]);
    f.failNext({ code: 10005 });
    assert.deepEqual(await raw(single(newCid())), [401, 10005]);
    f.failNext({ status: 503, body: 'busy' }, { path: '/push/single/cid' });
    const busy = await post('/push/single/cid', single(newCid()));
    assert.ok(!busy.ok && busy.code === 'HTTP_503' && busy.retryable, JSON.stringify(busy));
  });
});
