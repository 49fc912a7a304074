import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDb } from '../../testkit/testkit.ts';
import { sms } from './003-sms.ts';
import { tenancy } from './004-tenancy.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`migration 003-sms (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    before(async () => {
      t = await testDb(dialect);
    });
    after(() => t.cleanup());

    const nullable = async (table: string, column: string) => {
      const tables = await t.db.introspection.getTables();
      return tables.find((x) => x.name === table)?.columns.find((c) => c.name === column)?.isNullable;
    };
    const template = (accountId: number | null) =>
      t.db
        .insertInto('templates')
        .values({
          name: 'n',
          channel: 'sms',
          message_type: 'notice',
          account_id: accountId,
          content: '{}',
          status: 'active',
          shield: 'none',
          timezone: null,
          cron: null,
          description: 'kept',
          created_at: 1,
          updated_at: 2,
          deleted_at: null,
        })
        .execute();
    const record = (messageId: string) =>
      t.db
        .insertInto('sms_records')
        .values({
          message_id: messageId,
          template_id: 1,
          account_id: 1,
          phone: '+8613800138000',
          provider: 'tencent',
          provider_message_id: null,
          status: 'sent',
          status_code: null,
          status_message: null,
          sent_at: 1,
          receipt_at: null,
          segments: 1,
          app_id: null,
        })
        .execute();

    test('templates may leave the account out; one SMS record per message; down and up again keep rows', async () => {
      assert.equal(await nullable('templates', 'account_id'), true);
      await template(null);
      await template(7);
      await record('m1');
      await assert.rejects(record('m1'), 'message_id is unique');

      // Migrations go down in reverse order: the later one first.
      await tenancy(dialect).down!(t.db);
      await sms(dialect).down!(t.db);
      assert.equal(await nullable('templates', 'account_id'), false);
      assert.equal(await nullable('sms_records', 'segments'), undefined);
      const back = await t.db
        .selectFrom('templates')
        .select(['account_id', 'description'])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        back.map((r) => [Number(r.account_id), r.description]),
        [
          [0, 'kept'],
          [7, 'kept'],
        ],
      );
      await sms(dialect).up(t.db);
      await tenancy(dialect).up(t.db);
      assert.equal(await nullable('templates', 'account_id'), true);
      assert.equal(await nullable('sms_records', 'segments'), true);
      await template(null);
      assert.equal((await t.db.selectFrom('templates').select('id').execute()).length, 3);
      await tenancy(dialect).down!(t.db);
      await sms(dialect).down!(t.db);
      await sms(dialect).up(t.db);
      await tenancy(dialect).up(t.db);
    });
  });
}
