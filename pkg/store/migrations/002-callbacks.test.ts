import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDb } from '../../testkit/testkit.ts';
import { callbacks } from './002-callbacks.ts';

const ADDED = {
  apps: ['callback_url', 'callback_states', 'callback_secret_sealed', 'callback_secret_hint'],
  channel_accounts: ['callback_token'],
} as const;

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`migration 002-callbacks (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    before(async () => {
      t = await testDb(dialect);
    });
    after(() => t.cleanup());

    /** Column name → nullable, of the tables this migration changes. */
    const columns = async () => {
      const tables = await t.db.introspection.getTables();
      const of = (name: string) =>
        new Map(tables.find((x) => x.name === name)!.columns.map((c) => [c.name, c.isNullable]));
      return { apps: of('apps'), channel_accounts: of('channel_accounts') };
    };

    test('adds nullable columns; down removes exactly them and up adds them again', async () => {
      const up = await columns();
      for (const [table, names] of Object.entries(ADDED) as [keyof typeof ADDED, readonly string[]][]) {
        for (const n of names) assert.equal(up[table].get(n), true, `${table}.${n} missing or not null`);
      }
      await callbacks(dialect).down!(t.db);
      const down = await columns();
      for (const [table, names] of Object.entries(ADDED) as [keyof typeof ADDED, readonly string[]][]) {
        for (const n of names) assert.equal(down[table].has(n), false, `${table}.${n} still there`);
        assert.equal(down[table].size, up[table].size - names.length);
      }
      await callbacks(dialect).up(t.db);
      assert.deepEqual(await columns(), up);
    });
  });
}
