import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { testRedis } from '../testkit/testkit.ts';
import { trimFolded } from './trim.ts';

let r: Awaited<ReturnType<typeof testRedis>>;
before(async () => {
  r = await testRedis();
});
after(() => r.cleanup());

test('trimFolded removes only folded entries older than the retention', async () => {
  const key = r.keys.events(0);
  for (let ms = 1000; ms <= 5000; ms += 1000)
    await r.redis.xadd(key, `${ms}-0`, 'id', 'm', 'st', 'sent', 'at', '1');
  assert.equal(
    await trimFolded({ redis: r.redis, keys: r.keys, partition: 0, retentionMs: 0, exact: true }),
    0,
  );
  await r.redis.set(r.keys.statsApplied(0), '3000-0');
  // Retention keeps everything newer than now - 2500 = 2500: only 1000 and 2000 may go.
  assert.equal(
    await trimFolded({
      redis: r.redis,
      keys: r.keys,
      partition: 0,
      retentionMs: 2500,
      now: 5000,
      exact: true,
    }),
    2,
  );
  // Retention 0: everything folded (up to and including 3000) goes; 4000, 5000 are not folded.
  assert.equal(
    await trimFolded({ redis: r.redis, keys: r.keys, partition: 0, retentionMs: 0, now: 9999, exact: true }),
    1,
  );
  assert.deepEqual(
    (await r.redis.xrange(key, '-', '+')).map(([id]) => id),
    ['4000-0', '5000-0'],
  );
});
