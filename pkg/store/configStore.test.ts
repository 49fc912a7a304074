import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { testDb } from '../testkit/testkit.ts';
import { createConfigStore } from './configStore.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`configStore (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let cfg: ReturnType<typeof createConfigStore>;
    before(async () => {
      t = await testDb(dialect);
      cfg = createConfigStore(t.db);
    });
    after(() => t.cleanup());

    test('get / set / history with old and new values', async () => {
      assert.equal(await cfg.get('pipeline'), undefined);
      const first = await cfg.set('pipeline', { discardTemplateIds: [3] }, 'admin');
      assert.equal(first.old, undefined);
      assert.deepEqual(await cfg.get('pipeline'), { discardTemplateIds: [3] });
      const second = await cfg.set('pipeline', { discardTemplateIds: [] }, 'ops');
      assert.deepEqual(second.old, { discardTemplateIds: [3] });
      assert.ok(second.at > first.at);
      const h = await cfg.history('pipeline');
      assert.deepEqual(
        h.map((c) => [c.old, c.new, c.actor]),
        [
          [{ discardTemplateIds: [3] }, { discardTemplateIds: [] }, 'ops'],
          [undefined, { discardTemplateIds: [3] }, 'admin'],
        ],
      );
      assert.equal((await cfg.history('pipeline', 1)).length, 1);
      assert.deepEqual(
        (await cfg.list()).map((e) => [e.name, e.updatedBy]),
        [['pipeline', 'ops']],
      );
    });

    test('concurrent sets keep a complete audit chain', async () => {
      await Promise.all(Array.from({ length: 6 }, (_, i) => cfg.set('race', i, `w${i}`)));
      const h = await cfg.history('race');
      assert.equal(h.length, 6);
      // Each change's old value is the previous change's new value: nothing was lost.
      for (let i = 0; i + 1 < h.length; i++) assert.deepEqual(h[i]!.old, h[i + 1]!.new);
      assert.equal(h.at(-1)!.old, undefined);
      assert.deepEqual(await cfg.get('race'), h[0]!.new);
    });

    test('rejects bad names and undefined values, writing nothing', async () => {
      await assert.rejects(
        cfg.set('bad name', 1, 'a'),
        (e: unknown) => e instanceof AppError && e.status === 422,
      );
      await assert.rejects(
        cfg.set('x', undefined, 'a'),
        (e: unknown) => e instanceof AppError && e.status === 422,
      );
      assert.equal(await cfg.get('x'), undefined);
      assert.deepEqual(await cfg.history('x'), []);
    });
  });
}
