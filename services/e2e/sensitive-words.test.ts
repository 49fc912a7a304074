import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDays, todayIn } from '../../pkg/stats/buckets.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { randomTag, waitFor } from '../../pkg/testkit/testkit.ts';
import { type FilterStack, startFilterStack } from './filters-harness.ts';

/**
 * Sensitive words end to end: ingest (with the sensitive-words routes) → Redis → a handler
 * process → sandbox, and the aggregator folding the events into template stats. A dictionary
 * uploaded while the handler runs reaches it within seconds; a mask-policy template sends `*`s
 * and records `sensitive_masked`, a block-policy one sends nothing and ends `blocked_sensitive`.
 */
describe('sensitive words through a running handler', () => {
  let s: FilterStack;
  let aggregator: ServiceProcess;
  const tag = randomTag();
  const rcv = (name: string) => `${name}-${tag}`;
  let mask: number;
  let block: number;
  let none: number;

  /** Calls the sensitive-words routes with the admin token. */
  const words = async (method: string, body?: string) => {
    const res = await fetch(
      `${s.base}/v1/admin/config/sensitive-words${method === 'GET' ? '?limit=10' : ''}`,
      {
        method,
        headers: { authorization: `Bearer ${s.env.ADMIN_TOKEN}`, 'content-type': 'text/plain' },
        ...(body === undefined ? {} : { body }),
      },
    );
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Record<string, unknown>;
  };
  const delivered = async (id: string) => (await s.inbox()).find((i) => i.messageId === id);
  const sendOne = async (templateId: number, receiver: string, text: string) =>
    (await s.send(templateId, [receiver], { text }))[0]!;
  /** Counts per state of a template over yesterday..tomorrow (platform zone), as the stats API answers. */
  const stats = async (templateId: number) => {
    const today = todayIn(s.core.config.timezone);
    const st = await s.client.templateStats(templateId, addDays(today, -1), addDays(today, 1));
    const sum: Record<string, number> = {};
    for (const d of st.days) {
      for (const [k, v] of Object.entries(d.counts as Record<string, number>)) sum[k] = (sum[k] ?? 0) + v;
    }
    return sum;
  };

  before(async () => {
    s = await startFilterStack({
      env: { TIMEZONE: 'UTC' },
    });
    const acct = await s.core.repos.accounts.create({
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    const tpl = async (name: string, sensitive: 'none' | 'mask' | 'block') =>
      (
        await s.core.repos.templates.create({
          name,
          channel: 'sandbox',
          messageType: 'notice',
          accountId: acct.id,
          content: { text: 'Note: {$text}', title: 'For {$text}' },
          appId: s.app.id,
          sensitive,
        })
      ).id;
    mask = await tpl('masked', 'mask');
    block = await tpl('blocked', 'block');
    none = await tpl('unfiltered', 'none');
    aggregator = spawnService('aggregator', s.env);
    await s.spawnHandlers(1);
  });

  after(async () => {
    await aggregator?.kill('SIGKILL');
    await s?.close();
  });

  test('an empty dictionary sends everything as written', async () => {
    assert.deepEqual(await words('GET'), { total: 0, offset: 0, limit: 10, items: [] });
    const id = await sendOne(mask, rcv('ann'), 'top SECRET 机密文件');
    await s.settled([id]);
    assert.deepEqual((await delivered(id))?.content, {
      text: 'Note: top SECRET 机密文件',
      title: 'For top SECRET 机密文件',
    });
  });

  test('an upload reaches the running handler within seconds', async () => {
    const t0 = Date.now();
    const r = await s.whenApplied(() => words('POST', 'secret\n机密\n\nSecret\n'));
    assert.deepEqual(r, { total: 2, added: 2, removed: 0 });
    assert.ok(Date.now() - t0 < 5000, `applied after ${Date.now() - t0} ms`);
    assert.deepEqual((await words('GET')).items, ['secret', '机密']);
  });

  test('mask: the provider gets *s, the timeline shows sensitive_masked, then sent', async () => {
    const id = await sendOne(mask, rcv('bob'), 'top SECRET 机密文件');
    await s.settled([id]);
    assert.deepEqual((await delivered(id))?.content, {
      text: 'Note: top ****** **文件',
      title: 'For top ****** **文件',
    });
    const trace = await s.client.message(id);
    assert.equal(trace.state, 'sent');
    const masked = trace.timeline.find((e) => e.state === 'sensitive_masked');
    assert.equal(masked?.reason, 'masked 4 matches (text, title)');
    assert.deepEqual(
      trace.timeline.map((e) => e.state).filter((x) => x !== 'accepted'),
      ['sensitive_masked', 'sent'],
    );
  });

  test('block: the provider gets nothing, the message ends blocked_sensitive', async () => {
    const id = await sendOne(block, rcv('cat'), 'a secret for you');
    const clean = await sendOne(block, rcv('cat2'), 'nothing to hide');
    await s.settled([id, clean]);
    assert.deepEqual(await s.ledgerStates([id, clean]), ['blocked_sensitive', 'sent']);
    assert.equal(await delivered(id), undefined);
    assert.ok(await delivered(clean));
    const trace = await s.client.message(id);
    assert.equal(trace.state, 'blocked_sensitive');
    assert.equal(trace.timeline.at(-1)?.reason, 'blocked: 2 matches (text, title)');
  });

  test('policy none sends the words as written', async () => {
    const id = await sendOne(none, rcv('dan'), 'secret');
    await s.settled([id]);
    assert.deepEqual((await delivered(id))?.content, { text: 'Note: secret', title: 'For secret' });
  });

  test('template stats count sensitive_masked and blocked_sensitive', async () => {
    await waitFor(
      'stats folded',
      async () => {
        const [m, b] = await Promise.all([stats(mask), stats(block)]);
        return m.sensitive_masked === 1 && m.sent === 2 && b.blocked_sensitive === 1 && b.sent === 1;
      },
      20_000,
      100,
    );
    const n = await stats(none);
    assert.equal(n.sensitive_masked, undefined);
  });

  test('removing a word reaches the handler too: it is sent as written again', async () => {
    await s.whenApplied(() => words('DELETE', 'SECRET'));
    const id = await sendOne(mask, rcv('eve'), 'top secret 机密');
    await s.settled([id]);
    assert.deepEqual((await delivered(id))?.content, {
      text: 'Note: top secret **',
      title: 'For top secret **',
    });
  });
});
