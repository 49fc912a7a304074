import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { testDb } from '../testkit/testkit.ts';
import { createAccountsRepo } from './accounts.ts';
import { createAppsRepo } from './apps.ts';
import { createCrowdRunsRepo } from './crowd-runs.ts';
import { createCrowdsRepo } from './crowds.ts';
import { createTemplatesRepo } from './templates.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`crowds and crowd runs repos (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let crowds: ReturnType<typeof createCrowdsRepo>;
    let runs: ReturnType<typeof createCrowdRunsRepo>;
    let templateId: number;
    let clock = 1_000_000;
    before(async () => {
      t = await testDb(dialect);
      const secretKey = randomBytes(32);
      const app = await createAppsRepo(t.db, { secretKey }).create({ name: 'shop' });
      const acc = await createAccountsRepo(t.db, { secretKey }).create({
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
          appId: app.app.id,
          content: { text: 'Hi {$name}' },
        })
      ).id;
      crowds = createCrowdsRepo(t.db, { now: () => clock });
      runs = createCrowdRunsRepo(t.db, { now: () => clock });
    });
    after(() => t.cleanup());

    const all = async (id: number) => {
      const out = [];
      for await (const r of crowds.rows(id)) out.push(r);
      return out;
    };

    test('a file written chunk by chunk is invisible until complete; chunks read back in the file order', async () => {
      const id = await crowds.begin({ templateId, filename: 'vip.csv', columns: ['name', 'code'] });
      assert.equal((await crowds.getMeta(id))?.status, 'uploading');
      await crowds.writeChunk(
        id,
        0,
        ['name', 'code'],
        [
          { line: 2, receiver: 'ann', variables: { name: 'Ann "A"', code: '1' } },
          { line: 4, receiver: 'x\ny', variables: { name: 'Zoë, 张', code: '' } },
        ],
      );
      assert.equal(await crowds.latest(templateId), undefined, 'uploading files are not used');
      assert.deepEqual(await all(id), []);
      await crowds.writeChunk(
        id,
        1,
        ['name', 'code'],
        [{ line: 5, receiver: 'bob', variables: { name: 'Bob', code: '2' } }],
      );
      const f = await crowds.complete(id, { rowCount: 3, chunkCount: 2, rejectedCount: 1, byteCount: 99 });
      assert.deepEqual(
        { ...f, createdAt: 0 },
        {
          id,
          templateId,
          filename: 'vip.csv',
          status: 'complete',
          rowCount: 3,
          chunkCount: 2,
          rejectedCount: 1,
          byteCount: 99,
          columns: ['name', 'code'],
          createdAt: 0,
        },
      );
      assert.equal((await crowds.latest(templateId))?.id, id);
      assert.deepEqual(await crowds.chunk(f, 1), [
        { line: 5, receiver: 'bob', variables: { name: 'Bob', code: '2' } },
      ]);
      assert.equal(await crowds.chunk(f, 2), undefined);
      assert.deepEqual(
        (await all(id)).map((r) => [r.line, r.receiver, r.variables.name]),
        [
          [2, 'ann', 'Ann "A"'],
          [4, 'x\ny', 'Zoë, 张'],
          [5, 'bob', 'Bob'],
        ],
      );
    });

    test('save cuts rows into chunks; delete removes the file and its chunks; lists are newest first', async () => {
      const rows = Array.from({ length: 5 }, (_, i) => ({ receiver: `r${i}`, variables: { name: `N${i}` } }));
      const f = await crowds.save({ templateId, filename: 'b.csv', rows, chunkRows: 2 });
      assert.equal(f.chunkCount, 3);
      assert.deepEqual(
        (await crowds.chunk(f, 2))?.map((r) => [r.line, r.receiver]),
        [[6, 'r4']],
      );
      const ids = (await crowds.listByTemplate(templateId)).map((x) => x.id);
      assert.equal(ids[0], f.id);
      assert.deepEqual(
        (await crowds.listByTemplate(templateId, { limit: 1 })).map((x) => x.id),
        [f.id],
      );
      assert.equal(await crowds.delete(f.id), true);
      assert.equal(await crowds.delete(f.id), false);
      assert.equal(await crowds.chunk(f, 0), undefined);
      assert.deepEqual(await crowds.listByTemplate(999_999), []);
    });

    test('abort removes an upload, never a complete file; purgeIncomplete removes only old uploads', async () => {
      const done = await crowds.save({
        templateId,
        filename: 'k.csv',
        rows: [{ receiver: 'a', variables: { name: 'A' } }],
      });
      await crowds.abort(done.id);
      assert.equal((await crowds.getMeta(done.id))?.status, 'complete');
      const cut = await crowds.begin({ templateId, filename: 'cut.csv', columns: ['name'] });
      await crowds.writeChunk(cut, 0, ['name'], [{ line: 2, receiver: 'a', variables: { name: 'A' } }]);
      await crowds.abort(cut);
      assert.equal(await crowds.getMeta(cut), undefined);
      const old = await crowds.begin({ templateId, filename: 'old.csv', columns: ['name'] });
      clock += 10_000;
      const fresh = await crowds.begin({ templateId, filename: 'new.csv', columns: ['name'] });
      assert.equal(await crowds.purgeIncomplete(clock - 5_000), 1);
      assert.equal(await crowds.getMeta(old), undefined);
      assert.equal((await crowds.getMeta(fresh))?.status, 'uploading');
      assert.equal((await crowds.getMeta(done.id))?.status, 'complete');
    });

    test('refuses unknown templates, empty crowds and bad column names', async () => {
      await assert.rejects(
        crowds.save({ templateId: 999_999, filename: 'a.csv', rows: [{ receiver: 'a', variables: {} }] }),
        (e: unknown) => e instanceof AppError && e.code === 'TEMPLATE_NOT_FOUND',
      );
      await assert.rejects(
        crowds.save({ templateId, filename: 'a.csv', rows: [] }),
        (e: unknown) => e instanceof AppError && e.status === 422,
      );
      await assert.rejects(
        crowds.begin({ templateId, filename: 'a.csv', columns: ['first name'] }),
        (e: unknown) => e instanceof AppError && e.status === 422,
      );
    });

    test('a run record: opened once per (template, run time), totals only forward, closed once', async () => {
      const runAt = 1_767_261_600_000;
      const open = () => runs.open({ templateId, runAt, fileId: 7, appId: 1, rowsTotal: 10, chunksTotal: 2 });
      const [a, b] = await Promise.all([open(), open()]);
      assert.equal(a.id, b.id, 'two openers share one record');
      assert.equal(a.status, 'running');
      await runs.progress(
        a.id,
        { rowsRead: 5, accepted: 4, rejected: 1, chunksDone: 1 },
        {
          rejections: [{ line: 3, message: 'bad' }],
        },
      );
      // A late writer with older totals changes nothing.
      await runs.progress(a.id, { rowsRead: 0, accepted: 0, rejected: 0, chunksDone: 0 });
      await runs.note(a.id, 'waiting: paused');
      let r = (await runs.get(a.id))!;
      assert.deepEqual(
        [r.rowsRead, r.accepted, r.rejected, r.chunksDone, r.reason, r.rejections],
        [5, 4, 1, 1, 'waiting: paused', [{ line: 3, message: 'bad' }]],
      );
      clock += 1;
      await runs.finish(a.id, { status: 'done', reason: null, skipped: 5 });
      await runs.finish(a.id, { status: 'failed', reason: 'late', skipped: 0 });
      await runs.progress(a.id, { rowsRead: 10, accepted: 9, rejected: 1, chunksDone: 2 });
      r = (await runs.get(a.id))!;
      assert.deepEqual(
        [r.status, r.reason, r.skipped, r.rowsRead, r.finishedAt],
        ['done', null, 5, 5, clock],
      );
      assert.equal((await runs.find(templateId, runAt))?.id, a.id);

      const second = await runs.open({
        templateId,
        runAt: runAt + 60_000,
        fileId: null,
        appId: 1,
        rowsTotal: 0,
        chunksTotal: 0,
      });
      const page = await runs.listByTemplate(templateId, { limit: 1 });
      assert.deepEqual([page.items.map((x) => x.id), page.total], [[second.id], 2]);
      const back = await runs.listByTemplate(templateId, { before: second.id });
      assert.deepEqual(
        back.items.map((x) => x.id),
        [a.id],
      );
      assert.equal(await runs.get(999_999), undefined);
    });
  });
}
