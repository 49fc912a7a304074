import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { testDb } from '../testkit/testkit.ts';
import { createAccountsRepo } from './accounts.ts';
import { parseCrowdCsv } from './crowd-csv.ts';
import { createCrowdsRepo } from './crowds.ts';
import { createTemplatesRepo } from './templates.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`crowds repo (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let crowds: ReturnType<typeof createCrowdsRepo>;
    let templateId: number;
    before(async () => {
      t = await testDb(dialect);
      const acc = await createAccountsRepo(t.db, { secretKey: randomBytes(32) }).create({
        name: 'sb',
        channel: 'sandbox',
        provider: 'sandbox',
        config: {},
      });
      templateId = (
        await createTemplatesRepo(t.db).create({
          name: 'c',
          channel: 'sandbox',
          messageType: 'marketing',
          accountId: acc.id,
          content: { text: 'Hi {$name}' },
        })
      ).id;
      crowds = createCrowdsRepo(t.db);
    });
    after(() => t.cleanup());

    test('save / get / listByTemplate / delete', async () => {
      const { rows, errors } = parseCrowdCsv('receiver,name\nann,Ann\n"bob",Bob "B" Jr\n');
      assert.deepEqual(errors, []);
      const f = await crowds.save({ templateId, filename: 'vip.csv', rows });
      assert.equal(f.templateId, templateId);
      assert.equal(f.filename, 'vip.csv');
      assert.equal(f.rowCount, 2);
      assert.ok(f.createdAt > 0);
      assert.deepEqual((await crowds.get(f.id))?.rows, rows);
      const g = await crowds.save({
        templateId,
        filename: 'b.csv',
        rows: [{ receiver: 'x\ny', variables: {} }],
      });
      assert.deepEqual((await crowds.get(g.id))?.rows, [{ receiver: 'x\ny', variables: {} }]);
      assert.deepEqual(
        (await crowds.listByTemplate(templateId)).map((x) => x.id),
        [g.id, f.id],
      );
      assert.deepEqual(await crowds.listByTemplate(999_999), []);
      assert.equal(await crowds.delete(g.id), true);
      assert.equal(await crowds.delete(g.id), false);
      assert.equal(await crowds.get(g.id), undefined);
    });

    test('refuses unknown templates and empty crowds', async () => {
      await assert.rejects(
        crowds.save({ templateId: 999_999, filename: 'a.csv', rows: [{ receiver: 'a', variables: {} }] }),
        (e: unknown) => e instanceof AppError && e.code === 'TEMPLATE_NOT_FOUND',
      );
      await assert.rejects(
        crowds.save({ templateId, filename: 'a.csv', rows: [] }),
        (e: unknown) => e instanceof AppError && e.status === 422,
      );
    });
  });
}
