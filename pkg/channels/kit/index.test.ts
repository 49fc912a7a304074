import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startFakeHttp } from '../../testkit/fake-http.ts';
import { testRedis } from '../../testkit/testkit.ts';
import { createHttpClient, createKit } from './index.ts';

const r = await testRedis();
const fake = await startFakeHttp((req) =>
  req.path === '/token'
    ? { status: 200, body: { access_token: `t-${req.query['corp']}`, expires_in: 7200 } }
    : { status: 200, body: { errcode: 0, auth: req.query['access_token'] } },
);
const http = createHttpClient();
after(async () => {
  await http.close();
  await fake.close();
  await r.cleanup();
});

test('kits share the HTTP client, keep tokens per account, and use the injected clock', async () => {
  const clock = { t: 5_000 };
  const kits = [1, 2].map((accountId) =>
    createKit({ redis: r.redis, keys: r.keys, accountId, http, publicHttp: http, now: () => clock.t }),
  );
  const fetchFor = (corp: string) => async () => {
    const res = await http.request({ url: `${fake.url}/token?corp=${corp}` });
    const body = res.json() as { access_token: string; expires_in: number };
    return { token: body.access_token, expiresInMs: body.expires_in * 1000 };
  };
  const sent = await Promise.all(
    kits.map((kit, i) =>
      kit.tokens.withToken('corp:agent', fetchFor(`c${i}`), async (token) => {
        const res = await kit.http.request({ url: `${fake.url}/send?access_token=${token}`, json: {} });
        return { ok: res.status === 200, auth: (res.json() as { auth: string }).auth };
      }),
    ),
  );
  assert.deepEqual(
    sent.map((s) => s.auth),
    ['t-c0', 't-c1'],
    'each account its own token',
  );
  assert.equal(await r.redis.hget(r.keys.token(1, 'corp:agent'), 'v'), 't-c0');
  assert.equal(await r.redis.hget(r.keys.token(1, 'corp:agent'), 'exp'), String(5_000 + 7_200_000));
  assert.equal(kits[0]!.now(), 5_000);
  assert.equal(kits[0]!.http, kits[1]!.http);
  assert.equal(
    kits[0]!.signing.hash('sha1', 'abc').toString('hex'),
    'a9993e364706816aba3e25717850c26c9cd0d89d',
  );
});
