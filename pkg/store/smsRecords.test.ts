import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDb } from '../testkit/testkit.ts';
import { createSmsRecordsRepo } from './smsRecords.ts';

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`smsRecords repo (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let sms: ReturnType<typeof createSmsRecordsRepo>;
    before(async () => {
      t = await testDb(dialect);
      sms = createSmsRecordsRepo(t.db);
    });
    after(() => t.cleanup());

    const base = {
      templateId: 1,
      accountId: 2,
      phone: '+8613800138000',
      provider: 'tencent',
      status: 'sent',
    };

    test('insert and findByProvider', async () => {
      const r = await sms.insert({ ...base, messageId: 'm1', providerMessageId: 'sid-1', sentAt: 1000 });
      assert.equal(r.messageId, 'm1');
      assert.equal(r.receiptAt, null);
      assert.equal(r.statusCode, null);
      assert.deepEqual(await sms.findByProvider('tencent', 'sid-1'), r);
      assert.equal(await sms.findByProvider('aliyun', 'sid-1'), undefined);
      assert.equal(await sms.findByProvider('tencent', 'nope'), undefined);
    });

    test('applyReceipt is idempotent and ignores older receipts', async () => {
      await sms.insert({ ...base, messageId: 'm2', providerMessageId: 'sid-2', sentAt: 2000 });
      const a = await sms.applyReceipt({
        provider: 'tencent',
        providerMessageId: 'sid-2',
        status: 'delivered',
        statusCode: 'DELIVRD',
        statusMessage: 'x'.repeat(600),
        at: 5000,
      });
      assert.equal(a?.applied, true);
      assert.equal(a?.record.status, 'delivered');
      assert.equal(a?.record.receiptAt, 5000);
      assert.equal(a?.record.statusMessage?.length, 512);
      const again = await sms.applyReceipt({
        provider: 'tencent',
        providerMessageId: 'sid-2',
        status: 'delivered',
        at: 5000,
      });
      assert.equal(again?.applied, false);
      const older = await sms.applyReceipt({
        provider: 'tencent',
        providerMessageId: 'sid-2',
        status: 'failed',
        at: 4000,
      });
      assert.equal(older?.applied, false);
      assert.equal(older?.record.status, 'delivered');
      assert.equal(older?.record.statusCode, 'DELIVRD');
      const newer = await sms.applyReceipt({
        provider: 'tencent',
        providerMessageId: 'sid-2',
        status: 'failed',
        at: 6000,
      });
      assert.equal(newer?.record.status, 'failed');
      assert.equal(
        await sms.applyReceipt({ provider: 'tencent', providerMessageId: 'zzz', status: 'x', at: 1 }),
        undefined,
      );
    });

    test('listByPhone returns a time window, oldest first', async () => {
      await sms.insert({ ...base, phone: '+15550001111', messageId: 'a', sentAt: 300 });
      await sms.insert({ ...base, phone: '+15550001111', messageId: 'b', sentAt: 100 });
      await sms.insert({ ...base, phone: '+15550001111', messageId: 'c', sentAt: 200 });
      await sms.insert({ ...base, phone: '+15550002222', messageId: 'd', sentAt: 200 });
      assert.deepEqual(
        (await sms.listByPhone('+15550001111', 100, 300)).map((r) => r.messageId),
        ['b', 'c'],
      );
      assert.deepEqual(
        (await sms.listByPhone('+15550001111', 0, 1000, 2)).map((r) => r.messageId),
        ['b', 'c'],
      );
      assert.deepEqual(await sms.listByPhone('+15550009999', 0, 1000), []);
    });
  });
}
