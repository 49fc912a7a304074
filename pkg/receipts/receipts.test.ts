import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newId } from '../domain/ids.ts';
import { createLedger } from '../lifecycle/ledger.ts';
import { readTrace } from '../lifecycle/trace.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import { connectRedis } from '../redis/client.ts';
import { recordChangeOf } from '../sms-records/fold.ts';
import { createSmsRecordsRepo } from '../store/sms-records.ts';
import { silentLogger } from '../telemetry/logger.ts';
import { testDelivery } from '../testkit/messages.ts';
import { TEST_REDIS_URL, testDb, testRedis, waitFor } from '../testkit/testkit.ts';
import { addReceipts } from './inbox.ts';
import { receiptRetryDelay } from './matcher.ts';
import { startReceipts } from './start.ts';

// The receipts inbox end to end on real Redis and a real database: receipts matched by the
// provider's id and number, one that came before its record waits for it, repeats change
// nothing, and one that never matches is dead-lettered.
describe('receipts inbox → messages (real Redis + SQLite)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let blocking: Redis;
  let receipts: Awaited<ReturnType<typeof startReceipts>>;
  const ledger = () => createLedger({ redis: r.redis, keys: r.keys, partitions: 2, ttlMs: 60_000 });
  let records: ReturnType<typeof createSmsRecordsRepo>;

  before(async () => {
    r = await testRedis();
    t = await testDb('sqlite');
    records = createSmsRecordsRepo(t.db, 'sqlite');
    blocking = connectRedis(TEST_REDIS_URL, 'blocking');
    const l = ledger();
    receipts = await startReceipts({
      redis: r.redis,
      blocking,
      keys: r.keys,
      consumer: 'test',
      log: silentLogger,
      lookup: async (accountId, rc) =>
        rc.messageId ?? (await records.byProviderId(accountId, rc.providerMessageId, rc.receiver))?.messageId,
      record: (id, rc) => l.receipt(id, rc.state, rc.at, rc.reason ?? ''),
      retryMs: 50,
      maxTries: 3,
    });
  });
  after(async () => {
    await receipts.stop();
    blocking.disconnect();
    await t.cleanup();
    await r.cleanup();
  });

  /** A message sent through account 5 (ledger `sent`), with its SMS record unless `record` is false. */
  const sent = async (receiver: string, pmid: string, record = true) => {
    const l = ledger();
    const d = testDelivery({ id: newId(), channel: 'sms', receiver });
    const account = { id: 5, provider: 'aliyun' };
    await l.accept(d, 1000);
    await l.begin(d, 'h', 1001, false, account);
    await l.finish(d, 'sent', { at: 1002, providerMessageId: pmid, account });
    const change = recordChangeOf({
      messageId: d.id,
      templateId: d.templateId,
      receiver,
      channel: 'sms',
      messageType: 'notice',
      state: 'sent',
      at: 1002,
      reason: '',
      accountId: 5,
      provider: 'aliyun',
      providerMessageId: pmid,
    })!;
    if (record) await records.apply([change]);
    return { id: d.id, change };
  };
  const timeline = async (id: string) =>
    (await readTrace({ redis: r.redis, keys: r.keys, partitions: 2 }, id))?.timeline.map(
      (e) => `${e.state}:${e.reason}`,
    );

  test('one provider id for two numbers (Aliyun BizId): each receipt finds its own message, once', async () => {
    const a = await sent('+8613900000001', 'biz-1');
    const b = await sent('+8613900000002', 'biz-1');
    const receipt = (receiver: string, reason: string) => ({
      providerMessageId: 'biz-1',
      receiver,
      state: 'delivered' as const,
      at: 2000,
      reason,
    });
    await addReceipts(r.redis, r.keys, 5, [
      receipt('+8613900000001', 'DELIVERED'),
      receipt('+8613900000002', 'DELIVERED'),
    ]);
    await waitFor(
      'both delivered',
      async () => (await timeline(b.id))?.includes('delivered:DELIVERED'),
      10_000,
      20,
    );
    assert.deepEqual(await timeline(a.id), ['accepted:', 'sent:', 'delivered:DELIVERED']);
    // The same push again: matched, acknowledged, nothing new.
    const before = receipts.counters().duplicate;
    await addReceipts(r.redis, r.keys, 5, [receipt('+8613900000001', 'DELIVERED')]);
    await waitFor('duplicate seen', () => receipts.counters().duplicate === before + 1, 10_000, 20);
    assert.deepEqual(await timeline(a.id), ['accepted:', 'sent:', 'delivered:DELIVERED']);
  });

  test('a receipt before its record waits for it; one that never matches is dead-lettered', async () => {
    const late = await sent('+8613900000003', 'sn-late', false);
    await addReceipts(r.redis, r.keys, 5, [
      {
        providerMessageId: 'sn-late',
        receiver: '+8613900000003',
        state: 'failed',
        at: 3000,
        reason: 'UNDELIV',
      },
      { providerMessageId: 'sn-none', receiver: '+8613900000009', state: 'delivered', at: 3000 },
    ]);
    await waitFor(
      'first look missed',
      async () => (await r.redis.zcard(r.keys.receiptsDelayed())) >= 1,
      10_000,
      20,
    );
    await records.apply([late.change]);
    await waitFor(
      'matched on a later look',
      async () => (await timeline(late.id))?.includes('failed:UNDELIV'),
      15_000,
      50,
    );
    await waitFor(
      'unmatched dead-lettered',
      async () => (await r.redis.xlen(r.keys.receiptsDead())) === 1,
      15_000,
      50,
    );
    const dead = (await r.redis.xrange(r.keys.receiptsDead(), '-', '+')) as [string, string[]][];
    assert.ok(dead[0]?.[1].join(' ').includes('UNMATCHED'));
  });
});

test('a receipt whose record is not written yet is looked for again soon, then less often', () => {
  const waits = Array.from({ length: 20 }, (_, tries) => receiptRetryDelay(tries, 1000, 60_000));
  assert.deepEqual(waits.slice(0, 7), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000]);
  assert.ok(waits.every((w) => w <= 60_000));
  // 20 looks span ~15 minutes: a slow record writer is waited for, a stray receipt not forever.
  const total = waits.slice(0, 19).reduce((a, b) => a + b, 0);
  assert.ok(total > 10 * 60_000 && total < 20 * 60_000, `${total} ms`);
});
