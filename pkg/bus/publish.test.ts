import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { testRedis } from '../testkit/testkit.ts';
import { ensureGroup, publish } from './publish.ts';

describe('publish / ensureGroup', () => {
  let t: Awaited<ReturnType<typeof testRedis>>;
  before(async () => {
    t = await testRedis();
  });
  after(() => t.cleanup());

  test('appends every entry in input order and returns ids', async () => {
    const a = t.keys.stream('email.notice');
    const b = t.keys.stream('sms.auth');
    const ids = await publish(t.redis, [
      { stream: a, fields: { id: 'm1', rcv: 'x@y.z' } },
      { stream: b, fields: ['id', 'm2', 'rcv', '+15550100'] },
      { stream: a, fields: { id: 'm3', rcv: 'y@y.z' } },
    ]);
    assert.equal(ids.length, 3);
    const inA = await t.redis.xrange(a, '-', '+');
    assert.deepEqual(
      inA.map(([id, f]) => [id, f]),
      [
        [ids[0], ['id', 'm1', 'rcv', 'x@y.z']],
        [ids[2], ['id', 'm3', 'rcv', 'y@y.z']],
      ],
    );
    const inB = await t.redis.xrange(b, '-', '+');
    assert.deepEqual(inB, [[ids[1], ['id', 'm2', 'rcv', '+15550100']]]);
    assert.deepEqual(await publish(t.redis, []), []);
  });

  test('throws a 503 AppError when any append fails', async () => {
    const ok = t.keys.stream('email.marketing');
    const broken = `${t.prefix}not-a-stream`;
    await t.redis.set(broken, 'x'); // XADD on a string key fails with WRONGTYPE
    await assert.rejects(
      publish(t.redis, [
        { stream: ok, fields: { id: 'a' } },
        { stream: broken, fields: { id: 'b' } },
      ]),
      (err: unknown) =>
        err instanceof AppError &&
        err.status === 503 &&
        err.code === 'BUS_UNAVAILABLE' &&
        (err.details as { failed: number }).failed === 1 &&
        /WRONGTYPE/.test(String((err.cause as Error).message)),
    );
  });

  test('rejects entries without name/value pairs before writing anything', async () => {
    const s = t.keys.stream('webhook.notice');
    await assert.rejects(
      publish(t.redis, [
        { stream: s, fields: { id: 'a' } },
        { stream: s, fields: {} },
      ]),
    );
    await assert.rejects(publish(t.redis, [{ stream: s, fields: ['odd'] }]));
    assert.equal(await t.redis.exists(s), 0);
  });

  test('ensureGroup is idempotent, creates the stream and starts at 0', async () => {
    const s = t.keys.stream('sandbox.notice');
    await publish(t.redis, [{ stream: s, fields: { id: 'before-group' } }]);
    await ensureGroup(t.redis, s, 'handlers');
    await ensureGroup(t.redis, s, 'handlers');
    const fresh = t.keys.stream('push.notice');
    await ensureGroup(t.redis, fresh, 'handlers');
    assert.equal(await t.redis.exists(fresh), 1);
    // The entry written before the group existed is still delivered.
    const got = (await t.redis.xreadgroup('GROUP', 'handlers', 'c', 'STREAMS', s, '>')) as Array<
      [string, Array<[string, string[]]>]
    >;
    assert.deepEqual(got[0]![1][0]![1], ['id', 'before-group']);
  });
});
