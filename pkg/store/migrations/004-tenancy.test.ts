import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDb } from '../../testkit/testkit.ts';
import { tenancy } from './004-tenancy.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`migration 004-tenancy (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    before(async () => {
      t = await testDb(dialect);
    });
    after(() => t.cleanup());

    const app = async (name: string, deletedAt: number | null) =>
      Number(
        (
          await t.db
            .insertInto('apps')
            .values({
              name,
              api_key_hash: `h-${name}`,
              api_key_hint: 'pk_',
              rate_limit: null,
              created_at: 1,
              updated_at: 1,
              deleted_at: deletedAt,
              callback_url: null,
              callback_states: null,
              callback_secret_sealed: null,
              callback_secret_hint: null,
            })
            .executeTakeFirstOrThrow()
        ).insertId,
      );
    /** A template row; `before004` leaves out the columns 004 adds, as a 003 database holds it. */
    const template = (before004 = false) =>
      t.db
        .insertInto('templates')
        .values({
          name: 'n',
          channel: 'sandbox',
          message_type: 'notice',
          account_id: 1,
          content: '{}',
          status: 'active',
          shield: 'none',
          timezone: null,
          cron: null,
          description: null,
          created_at: 1,
          updated_at: 2,
          deleted_at: null,
          ...(before004 ? {} : { app_id: null, shared_with_apps: null }),
        } as never)
        .execute();

    test('templates older than tenancy go to the oldest live app, at version 1, no sensitive policy', async () => {
      await tenancy(dialect).down!(t.db);
      const gone = await app('gone', 5);
      const demo = await app('demo', null);
      await app('later', null);
      await template(true);
      await tenancy(dialect).up(t.db);
      const rows = await t.db
        .selectFrom('templates')
        .select(['app_id', 'shared_with_apps', 'version', 'sensitive_policy'])
        .execute();
      assert.ok(gone < demo);
      assert.deepEqual(
        rows.map((r) => [Number(r.app_id), r.shared_with_apps, Number(r.version), r.sensitive_policy]),
        [[demo, null, 1, 'none']],
      );
      // New rows get the defaults.
      await template();
      const n = await t.db.selectFrom('templates').select(['version']).where('app_id', 'is', null).execute();
      assert.deepEqual(
        n.map((r) => Number(r.version)),
        [1],
      );
    });
  });
}
