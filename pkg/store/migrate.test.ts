import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { testDb } from '../testkit/testkit.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`migrations (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    before(async () => {
      t = await testDb(dialect);
    });
    after(() => t.cleanup());
    test('create every table', async () => {
      const tables = (await t.db.introspection.getTables()).map((x) => x.name).sort();
      for (const name of [
        'apps',
        'channel_accounts',
        'templates',
        'crowd_files',
        'sms_records',
        'config',
        'config_audit',
      ]) {
        assert.ok(tables.includes(name), `${name} missing in ${tables.join(',')}`);
      }
      await t.db
        .insertInto('apps')
        .values({
          name: 'x',
          api_key_hash: 'h',
          api_key_hint: 'k',
          rate_limit: null,
          created_at: Date.now(),
          updated_at: Date.now(),
          deleted_at: null,
        })
        .execute();
      const row = await t.db.selectFrom('apps').selectAll().executeTakeFirstOrThrow();
      assert.equal(typeof row.created_at, 'number');
      void sql;
    });
  });
}
