import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { randomTag, testRedis } from '../../../testkit/testkit.ts';
import type { PendingReceipt, ProviderClient, Receipt, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit, type HttpClient } from '../../kit/index.ts';
import type { DingtalkWorkContent } from './content.ts';
import { dingtalkWork } from './definition.ts';
import { type DingtalkWorkFake, startDingtalkWorkFake } from './fake.ts';

/**
 * Receipts (getsendresult + getsendprogress per task) and recall against the fake, on a fake
 * clock shared by the client's kit and the fake, so the 24-hour windows can be crossed.
 */
describe('DingTalk work notice (dingtalk_work/dingtalk): receipts and recall', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let http: HttpClient;
  const fakes: DingtalkWorkFake[] = [];
  let clock = Date.UTC(2024, 4, 1, 8, 0);
  const now = () => clock;
  let nextAccount = 300;

  before(async () => {
    r = await testRedis();
    http = createHttpClient();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await http.close();
    await r.cleanup();
  });

  const fake = async (opts: Parameters<typeof startDingtalkWorkFake>[0] = {}) => {
    const f = await startDingtalkWorkFake({ now, ...opts });
    fakes.push(f);
    return f;
  };
  const clientOf = (f: DingtalkWorkFake, accountId = nextAccount++) =>
    dingtalkWork.create(
      dingtalkWork.config.parse({
        appKey: f.appKey,
        appSecret: f.appSecret,
        agentId: f.agentId,
        baseUrl: f.baseUrl,
      }),
      createKit({ redis: r.redis, keys: r.keys, accountId, http, publicHttp: http, now }),
      { id: accountId, channel: 'dingtalk_work', provider: 'dingtalk' },
    ) as ProviderClient<DingtalkWorkContent>;
  const template = testTemplate({ channel: 'dingtalk_work', content: { text: 'Hi' } });

  /** Sends `content` to `receivers` in one batch; the pending receipts the scheduler would hand back. */
  const sendAll = async (
    c: ProviderClient<DingtalkWorkContent>,
    receivers: string[],
    content: DingtalkWorkContent = { type: 'text', text: `Notice ${randomTag()}` },
  ) => {
    const deliveries = receivers.map((receiver) =>
      testDelivery({ id: `m-${randomTag()}`, channel: 'dingtalk_work', receiver }),
    );
    const outcomes = await c.sendBatch!({ deliveries, template, content });
    const sent = outcomes.filter((o): o is Extract<SendOutcome, { ok: true }> => o.ok);
    assert.equal(sent.length, receivers.length, JSON.stringify(outcomes));
    return receivers.map(
      (receiver, i): PendingReceipt => ({
        providerMessageId: sent[i]!.providerMessageId!,
        receiver,
        sentAt: clock,
      }),
    );
  };
  const states = (receipts: readonly Receipt[]) =>
    Object.fromEntries(receipts.map((x) => [x.receiver, `${x.state}:${x.reason}`]));

  test('each receiver gets the fate getsendresult lists it under', async () => {
    const f = await fake({ invalidUsers: ['ghost'] });
    f.failedUsers.add('fay');
    const c = clientOf(f);
    const pending = await sendAll(c, ['ann', 'ghost', 'fay', 'bob']);
    const taskId = pending[0]!.providerMessageId;
    assert.ok(pending.every((p) => p.providerMessageId === taskId));
    f.markRead(taskId, 'bob');
    const receipts = await c.receipts!.pull!(pending);
    assert.deepEqual(states(receipts), {
      ann: 'delivered:UNREAD',
      ghost: 'failed:INVALID_USER',
      fay: 'failed:SEND_FAILED',
      bob: 'read:READ',
    });
    assert.ok(receipts.every((x) => x.providerMessageId === taskId && x.at === clock));
    // Every receiver was in a list: no progress query was needed.
    assert.equal(f.calls('/topapi/message/corpconversation/getsendprogress'), 0);
  });

  test('the same content to the same user within a day is forbidden (143106), though the send succeeded', async () => {
    const f = await fake();
    const c = clientOf(f);
    const content: DingtalkWorkContent = { type: 'text', text: 'Daily report' };
    await sendAll(c, ['ann'], content);
    const again = await sendAll(c, ['ann', 'bob'], content);
    assert.deepEqual(states(await c.receipts!.pull!(again)), {
      ann: 'failed:143106',
      bob: 'delivered:UNREAD',
    });
  });

  test('receivers in no list, and @all, are delivered once the task finished, not before', async () => {
    const f = await fake();
    const c = clientOf(f);
    f.holdTasks(true);
    const users = await sendAll(c, ['ann', 'bob']);
    const everyone = await sendAll(c, ['@all']);
    const pending = [...users, ...everyone];
    assert.deepEqual(await c.receipts!.pull!(pending), []);
    f.finishTask(users[0]!.providerMessageId);
    assert.deepEqual(states(await c.receipts!.pull!(pending)), {
      ann: 'delivered:UNREAD',
      bob: 'delivered:UNREAD',
    });
    f.finishTask(everyone[0]!.providerMessageId);
    assert.deepEqual(states(await c.receipts!.pull!(everyone)), { '@all': 'delivered:TASK_FINISHED' });
    f.holdTasks(false);
  });

  test('tasks older than 24 hours are skipped; a pull whose every query failed throws', async () => {
    const f = await fake();
    const c = clientOf(f);
    const pending = await sendAll(c, ['ann']);
    const old = pending.map((p) => ({ ...p, sentAt: clock - 25 * 3600_000 }));
    const before = f.calls('/topapi/message/corpconversation/getsendresult');
    assert.deepEqual(await c.receipts!.pull!(old), []);
    assert.equal(f.calls('/topapi/message/corpconversation/getsendresult'), before);
    f.fail({ errcode: -1, path: '/topapi/message/corpconversation/getsendresult' });
    await assert.rejects(c.receipts!.pull!(pending), /getsendresult failed for every pending task: -1/);
    assert.equal((await c.receipts!.pull!(pending)).length, 1);
  });

  test('task ids past 2^53 stay exact through send, pull and recall', async () => {
    const f = await fake({ firstTaskId: 9007199254740993n });
    const c = clientOf(f);
    const pending = await sendAll(c, ['ann']);
    assert.equal(pending[0]!.providerMessageId, '9007199254740993');
    assert.equal((await c.receipts!.pull!(pending)).length, 1);
    assert.deepEqual(
      await c.recall!({ messageId: 'm', providerMessageId: '9007199254740993', receiver: 'ann' }),
      {
        ok: true,
      },
    );
    assert.deepEqual(f.recalled, ['9007199254740993']);
  });

  test('an expired token during a pull costs one refresh', async () => {
    const f = await fake();
    const c = clientOf(f);
    const pending = await sendAll(c, ['ann', 'bob']);
    f.expireTokens();
    assert.equal((await c.receipts!.pull!(pending)).length, 2);
    assert.equal(f.tokenCalls, 2);
    assert.ok(f.tokenRefusals >= 1);
  });

  test('recall takes back the whole call by task id, once, within 24 hours', async () => {
    const f = await fake();
    const c = clientOf(f);
    const [ann] = await sendAll(c, ['ann', 'bob']);
    const req = { messageId: 'm1', providerMessageId: ann!.providerMessageId, receiver: 'ann' };
    assert.deepEqual(await c.recall!(req), { ok: true });
    assert.deepEqual(f.recalled, [ann!.providerMessageId]);
    assert.deepEqual(
      f.requests.filter((q) => q.path.endsWith('/recall')).map((q) => q.json()),
      [{ agent_id: f.agentId, msg_task_id: Number(ann!.providerMessageId) }],
    );
    const again = await c.recall!(req);
    assert.ok(!again.ok && again.code === '40035', JSON.stringify(again));
    assert.equal((await c.recall!({ ...req, providerMessageId: '1' })).ok, false);
    const bad = await c.recall!({ ...req, providerMessageId: 'abc' });
    assert.ok(!bad.ok && bad.code === 'INVALID_TASK_ID');
    const [late] = await sendAll(c, ['cid']);
    clock += 25 * 3600_000;
    const expired = await c.recall!({ ...req, providerMessageId: late!.providerMessageId });
    assert.ok(!expired.ok && expired.code === '40035', JSON.stringify(expired));
    assert.equal(f.recalled.length, 1);
  });
});
