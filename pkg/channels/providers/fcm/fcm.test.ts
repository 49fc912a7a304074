import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { freePort, testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendFailure, SendOutcome, TestResult } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import type { FcmContent } from './content.ts';
import { fcmPush } from './definition.ts';
import { type FcmFake, fakeDeviceToken, startFcmFake, testServiceAccountKey } from './fake.ts';

/**
 * The FCM provider against its fake (a real local HTTP server verifying the service-account JWT
 * with the public key and checking messages as FCM does), with the kit's real token cache in
 * Redis. Two kits on one Redis stand for two handler processes sharing the access token.
 */
describe('Firebase Cloud Messaging HTTP v1 (push/fcm)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const key = testServiceAccountKey();
  const otherKey = testServiceAccountKey();
  const fakes: FcmFake[] = [];
  /** Every outcome and test result seen, checked for secrets at the end. */
  const seen: (SendOutcome | TestResult)[] = [];
  let nextAccount = 100;

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const fake = async () => {
    const f = await startFcmFake({ publicKey: key.publicKey, privateKeyId: 'kid-1' });
    fakes.push(f);
    return f;
  };
  /** A client as one handler process builds it (each call: its own kit; same `accountId` = shared token). */
  const clientOf = (
    f: FcmFake,
    over: Record<string, unknown> = {},
    opts: { accountId?: number; now?: () => number } = {},
  ) => {
    const accountId = opts.accountId ?? nextAccount++;
    return fcmPush.create(
      fcmPush.config.parse({
        projectId: f.projectId,
        clientEmail: f.clientEmail,
        privateKey: key.privateKey,
        privateKeyId: 'kid-1',
        tokenUri: f.tokenUri,
        baseUrl: f.baseUrl,
        ...over,
      }),
      createKit({
        redis: r.redis,
        keys: r.keys,
        accountId,
        http,
        publicHttp: http,
        ...(opts.now ? { now: opts.now } : {}),
      }),
      { id: accountId, channel: 'push', provider: 'fcm' },
    ) as ProviderClient<FcmContent>;
  };

  const template: Template = testTemplate({ channel: 'push', content: { title: 'Hi', body: 'Hello' } });
  const hello: FcmContent = { title: 'Hi', body: 'Hello' };
  const send = async (c: ProviderClient<FcmContent>, receiver = fakeDeviceToken(), content = hello) => {
    const o = await c.send({ delivery: testDelivery({ channel: 'push', receiver }), template, content });
    seen.push(o);
    return o;
  };
  const failed = (o: SendOutcome | undefined): SendFailure => {
    assert.ok(o && !o.ok, `expected a failure, got ${JSON.stringify(o)}`);
    return o;
  };

  test('a notification goes to its token in one call, named by the answer; the JWT is as Google wants it', async () => {
    const f = await fake();
    const token = fakeDeviceToken();
    const o = await send(clientOf(f), token, {
      title: 'Order 7',
      body: 'Shipped',
      clickAction: 'OPEN_ORDER',
      badge: 3,
      data: { order: '7' },
    });
    assert.equal(f.messages.length, 1);
    const [m] = f.messages;
    assert.deepEqual(o, { ok: true, providerMessageId: m!.name });
    assert.match(m!.name, new RegExp(`^projects/${f.projectId}/messages/`));
    assert.deepEqual(m!.message, {
      token,
      notification: { title: 'Order 7', body: 'Shipped' },
      data: { order: '7' },
      android: { notification: { click_action: 'OPEN_ORDER', notification_count: 3 } },
      apns: { payload: { aps: { badge: 3, category: 'OPEN_ORDER' } } },
    });
    const sent = f.requests.find((q) => q.path.endsWith('/messages:send'))!;
    assert.equal(sent.path, `/v1/projects/${f.projectId}/messages:send`);
    assert.equal(sent.headers.authorization, `Bearer ${f.exchanges[0]!.accessToken}`);
    const [x] = f.exchanges;
    assert.deepEqual(x!.header, { kid: 'kid-1', alg: 'RS256', typ: 'JWT' });
    const { iat, exp, ...claims } = x!.claims as { iat: number; exp: number };
    assert.deepEqual(claims, {
      iss: f.clientEmail,
      scope: 'https://www.googleapis.com/auth/firebase.messaging',
      aud: f.tokenUri,
    });
    assert.equal(exp - iat, 3600);
    assert.ok(Math.abs(iat - Date.now() / 1000) < 60, `iat ${iat} is not now`);
  });

  test('a link opens through web push; no badge or action leaves android and apns out', async () => {
    const f = await fake();
    const token = fakeDeviceToken();
    assert.equal(
      (await send(clientOf(f), token, { ...hello, clickAction: 'https://shop.example/o/7' })).ok,
      true,
    );
    assert.deepEqual(f.messages[0]!.message, {
      token,
      notification: hello,
      webpush: { fcm_options: { link: 'https://shop.example/o/7' } },
    });
    // A badge given as a placeholder is a count once rendered (the sender parses rendered content).
    const rendered = fcmPush.content.parse({ ...hello, badge: '12' });
    assert.equal((await send(clientOf(f), token, rendered)).ok, true);
    assert.deepEqual(f.messages[1]!.message.apns, { payload: { aps: { badge: 12 } } });
    const unrendered = fcmPush.content.parse({ ...hello, badge: '{$unread}' });
    const o = failed(await send(clientOf(f), token, unrendered));
    assert.equal(o.code, 'BAD_BADGE');
    assert.equal(o.retryable, false);
    assert.equal(f.messages.length, 2);
  });

  test('one access token serves every send, across two processes sharing Redis', async () => {
    const f = await fake();
    const p1 = clientOf(f, {}, { accountId: 11 });
    const p2 = clientOf(f, {}, { accountId: 11 });
    const outcomes = await Promise.all([send(p1), send(p2), send(p1), send(p2), send(p1)]);
    assert.ok(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes),
    );
    assert.equal(f.messages.length, 5);
    assert.equal(f.calls('token'), 1);
  });

  test('an expired access token (HTTP 401 UNAUTHENTICATED) is exchanged again exactly once', async () => {
    const f = await fake();
    const p1 = clientOf(f, {}, { accountId: 12 });
    const p2 = clientOf(f, {}, { accountId: 12 });
    assert.equal((await send(p1)).ok, true);
    f.expireTokens();
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => send(i % 2 ? p1 : p2)));
    assert.ok(
      outcomes.every((o) => o.ok),
      JSON.stringify(outcomes),
    );
    assert.ok(f.tokenRefusals >= 1, 'the fake never refused the expired token');
    assert.equal(f.calls('token'), 2);
    assert.equal(f.messages.length, 7);
    // A bare 401 (no Google JSON) means the same: one refresh, one retry, sent.
    f.failSends({ status: 401, raw: 'Unauthorized' });
    assert.equal((await send(p1)).ok, true);
    assert.equal(f.calls('token'), 3);
    assert.equal(f.messages.length, 8);
  });

  test('the token itself: unregistered, malformed and of another project', async () => {
    const f = await fake();
    const c = clientOf(f);
    const gone = fakeDeviceToken();
    f.unregistered.add(gone);
    const u = failed(await send(c, gone));
    assert.equal(u.code, 'UNREGISTERED');
    assert.equal(u.retryable, false);
    assert.equal(u.failover, undefined);
    const bad = failed(await send(c, 'not-a-registration-token'));
    assert.equal(bad.code, 'INVALID_ARGUMENT');
    assert.equal(bad.retryable, false);
    assert.match(bad.message, /not a valid FCM registration token/);
    const foreign = fakeDeviceToken();
    f.foreignTokens.add(foreign);
    const m = failed(await send(c, foreign));
    assert.equal(m.code, 'SENDER_ID_MISMATCH');
    assert.equal(m.retryable, false);
    assert.equal(m.failover, true, 'another account may be the token’s project');
    assert.equal(f.messages.length, 0);
  });

  test('each documented FCM answer is classified as the table says', async () => {
    const f = await fake();
    const c = clientOf(f);
    assert.equal((await send(c)).ok, true);
    const cases: [Parameters<FcmFake['failSends']>[0], Partial<SendFailure>][] = [
      [
        { status: 429, errorCode: 'QUOTA_EXCEEDED', retryAfter: '30' },
        { code: 'QUOTA_EXCEEDED', retryable: true, rateLimited: true, retryAfterMs: 30_000, failover: true },
      ],
      [
        { status: 429, errorCode: 'QUOTA_EXCEEDED' },
        { code: 'QUOTA_EXCEEDED', rateLimited: true, retryAfterMs: 60_000 },
      ],
      [
        { status: 503, errorCode: 'UNAVAILABLE', retryAfter: '5' },
        { code: 'UNAVAILABLE', retryable: true, retryAfterMs: 5000, failover: true },
      ],
      [
        { status: 500, errorCode: 'INTERNAL' },
        { code: 'INTERNAL', retryable: true, failover: true },
      ],
      [
        { status: 500, errorCode: 'UNSPECIFIED_ERROR' },
        { code: 'UNSPECIFIED_ERROR', retryable: true },
      ],
      [
        {
          status: 401,
          errorCode: 'THIRD_PARTY_AUTH_ERROR',
          message: 'Auth error from APNS or Web Push Service',
        },
        { code: 'THIRD_PARTY_AUTH_ERROR', retryable: false, failover: true },
      ],
      [{ status: 404 }, { code: 'NOT_FOUND', retryable: false }],
      [
        { status: 400, errorCode: 'INVALID_ARGUMENT' },
        { code: 'INVALID_ARGUMENT', retryable: false },
      ],
      [
        { status: 502, raw: '<html>Error 502 (Server Error)!!1</html>' },
        { code: 'HTTP_502', retryable: true },
      ],
      [
        { status: 429, raw: 'slow down' },
        { code: 'HTTP_429', rateLimited: true },
      ],
    ];
    for (const [inject, want] of cases) {
      f.failSends(inject);
      const o = failed(await send(c));
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, o[k as keyof SendFailure]]));
      assert.deepEqual(got, want, `${JSON.stringify(inject)} → ${JSON.stringify(o)}`);
      assert.equal(o.tokenExpired, undefined);
    }
    assert.equal(f.calls('token'), 1, 'no answer but a stale token may refresh it');
    assert.equal((await send(c)).ok, true);
  });

  test('a project the service account may not send for is an account failure', async () => {
    const f = await fake();
    const o = failed(await send(clientOf(f, { projectId: 'someone-else' })));
    assert.equal(o.code, 'PERMISSION_DENIED');
    assert.equal(o.retryable, false);
    assert.equal(o.failover, true);
  });

  test('testConnection is a fresh exchange; a wrong key or a skewed clock is refused without secrets', async () => {
    const f = await fake();
    const c = clientOf(f);
    assert.equal((await send(c)).ok, true);
    const ok = await c.testConnection!();
    seen.push(ok);
    assert.deepEqual(ok, { ok: true });
    assert.equal(f.calls('token'), 2, 'testConnection used the cached token');

    const wrongKey = clientOf(f, { privateKey: otherKey.privateKey });
    const t = await wrongKey.testConnection!();
    seen.push(t);
    assert.ok(
      !t.ok && t.code === 'invalid_grant' && /Invalid JWT Signature/.test(t.message),
      JSON.stringify(t),
    );
    const o = failed(await send(wrongKey));
    assert.equal(o.code, 'invalid_grant');
    assert.equal(o.retryable, false);
    assert.equal(o.failover, true);

    const late = clientOf(f, {}, { now: () => Date.now() - 2 * 3600_000 });
    const skew = await late.testConnection!();
    seen.push(skew);
    assert.ok(
      !skew.ok && skew.code === 'invalid_grant' && /iat and exp/.test(skew.message),
      JSON.stringify(skew),
    );
    const early = clientOf(f, {}, { now: () => Date.now() + 3600_000 });
    assert.equal(failed(await send(early)).code, 'invalid_grant');

    const stranger = clientOf(f, { clientEmail: 'who@else.iam.gserviceaccount.com' });
    assert.equal(failed(await send(stranger)).code, 'invalid_grant');
    assert.equal(f.messages.length, 1);
  });

  test('the token endpoint busy or unreachable, and FCM silent, are retryable outcomes, never throws', async () => {
    const f = await fake();
    f.failTokens({ status: 503, body: 'busy' });
    const busy = failed(await send(clientOf(f)));
    assert.equal(busy.code, 'HTTP_503');
    assert.equal(busy.retryable, true);

    const down = clientOf(f, { tokenUri: `http://127.0.0.1:${await freePort()}/token` });
    const o = failed(await send(down));
    assert.equal(o.code, 'HTTP_CONNECT');
    assert.equal(o.retryable, true);

    const c = clientOf(f, { timeoutMs: 800 });
    assert.equal((await send(c)).ok, true);
    f.delay(3000);
    const slow = failed(await send(c));
    assert.equal(slow.code, 'HTTP_TIMEOUT');
    assert.equal(slow.inDoubt, true, 'the message may have gone out');
    assert.equal(slow.failover, undefined);
    const slowToken = await clientOf(f, { timeoutMs: 800 }).testConnection!();
    seen.push(slowToken);
    assert.ok(!slowToken.ok && slowToken.code === 'HTTP_TIMEOUT', JSON.stringify(slowToken));
    const noToken = failed(await send(clientOf(f, { timeoutMs: 800 })));
    assert.equal(noToken.code, 'HTTP_TIMEOUT');
    assert.equal(noToken.inDoubt, undefined, 'no token came, so no message went out');
    assert.equal(noToken.failover, true);
    f.delay(0);
  });

  test('no outcome or test result quotes the private key, an assertion or an access token', async () => {
    const f = fakes[0]!;
    assert.ok(seen.length > 20, `only ${seen.length} outcomes seen`);
    const secrets = fakes.flatMap((x) => [
      ...x.issuedTokens(),
      ...x.exchanges.map((e) => String(e.accessToken)),
    ]);
    const keyLines = [key.privateKey, otherKey.privateKey].flatMap((k) =>
      k.split('\n').filter((l) => l.length > 40),
    );
    const assertions = fakes.flatMap((x) =>
      x.requests
        .filter((q) => q.path === '/token')
        .map((q) => new URLSearchParams(q.body).get('assertion') ?? ''),
    );
    assert.ok(f.issuedTokens().length > 0 && assertions.length > 0, 'no token was ever issued');
    for (const o of seen) {
      if (o.ok) continue;
      for (const s of [...secrets, ...keyLines, ...assertions].filter(Boolean)) {
        assert.ok(!o.message.includes(s), `${o.code} quotes a secret`);
      }
    }
  });
});
