import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { type ChaosWorld, reportChecked, startChaos } from '../../pkg/testkit/chaos.ts';
import { type Accepted, runLoad } from '../../pkg/testkit/chaos-load.ts';
import { startTcpProxy, type TcpProxy, targetOf, viaProxy } from '../../pkg/testkit/tcp-proxy.ts';
import { waitFor } from '../../pkg/testkit/testkit.ts';

/** How long the database is cut off. */
const OUTAGE_MS = 30_000;
/** Deliveries accepted before the outage and due in it, on a template no handler has looked up. */
const LATE = 50;

/**
 * MariaDB unreachable for 30 s (a TCP proxy between every platform process and the database
 * stops: connections cut, new ones refused) under a steady send load. The platform's processes
 * (ingest, two handlers, the aggregator) reach the database only through the proxy; the test's
 * own core goes to it directly. During the outage: sends with the cached template keep answering
 * 202 and keep being delivered (stale-if-error caches, past their TTLs), a send with a template
 * never looked up and every admin write answer 503 with Retry-After and write nothing, and
 * deliveries due in the outage whose template the handlers never loaded are parked and tried
 * again. After: admin writes succeed, every accepted delivery is sent exactly once, timelines
 * complete, counters equal to the event streams, nothing pending.
 */
describe('chaos: the database unreachable for 30 s under load', () => {
  let w: ChaosWorld;
  let proxy: TcpProxy;

  before(async () => {
    w = await startChaos('database', { persistence: 'none' });
    proxy = await startTcpProxy(targetOf(w.env.DATABASE_URL!));
    // The processes spawned from here on reach the database through the proxy.
    w.env.DATABASE_URL = viaProxy(w.env.DATABASE_URL!, proxy.port);
    await w.spawn('ingest');
    await Promise.all([w.spawn('handler', 0), w.spawn('handler', 1), w.spawn('aggregator')]);
  });

  after(async () => {
    await proxy?.resume();
    await w?.close();
    await proxy?.close();
  });

  type Answer = { status: number; retryAfter: string | null; code: string | undefined; body: unknown };
  const call = async (path: string, token: string, body: unknown, method = 'POST'): Promise<Answer> => {
    const res = await fetch(`${w.bases()[0]}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const json = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      code: json?.error?.code,
      body: json,
    };
  };
  const adminWrite = (name: string) =>
    call('/v1/admin/accounts', w.env.ADMIN_TOKEN!, {
      name,
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });

  test('cached sends go on, the rest answers 503 and writes nothing; after: every delivery once, counters exact', async () => {
    const base = await w.core.repos.templates.get(w.templateId);
    const tpl = (name: string) =>
      w.core.repos.templates.create({
        name,
        channel: 'webhook',
        messageType: 'notice',
        accountId: base!.accountId,
        appId: w.appId,
        content: { body: { event: name, n: '{$n}' } },
      });
    const late = await tpl('late');
    const cold = await tpl('cold');

    const load = runLoad({
      bases: w.bases,
      apiKey: w.apiKey,
      templateId: w.templateId,
      receiverOf: w.receiverOf,
      requests: 1_000_000,
      perRequest: 5,
      concurrency: 2,
      pauseMs: 100,
      deadlineMs: 150_000,
    });
    const sentSoFar = () => w.rx.received.length;
    await waitFor('load flowing', () => sentSoFar() >= 50, 60_000, 50);

    // Accepted now (ingest has just loaded the template), due 2 s into the outage.
    const lateReceivers = Array.from({ length: LATE }, (_, i) => w.receiverOf(2_000_000 + i));
    const lateAnswer = await call('/v1/send', w.apiKey, {
      templateId: late.id,
      messages: [{ receivers: lateReceivers, variables: { n: 'late' } }],
      sendAt: new Date(Date.now() + 2000).toISOString(),
    });
    assert.equal(lateAnswer.status, 202, JSON.stringify(lateAnswer.body));
    const lateIds = (lateAnswer.body as { messageIds: string[] }).messageIds;

    const acceptedBefore = load.result.accepted.size;
    const sentBefore = sentSoFar();
    await proxy.stop();
    const outageStarted = Date.now();
    const probes: Answer[] = [];
    const coldSends: Answer[] = [];
    let ready: number | undefined;
    for (let i = 0; Date.now() - outageStarted < OUTAGE_MS; i++) {
      probes.push(await adminWrite('made-in-outage'));
      coldSends.push(
        await call('/v1/send', w.apiKey, {
          templateId: cold.id,
          messages: [{ receivers: [w.receiverOf(3_000_000 + i)] }],
        }),
      );
      ready ??= (await fetch(`${w.bases()[0]}/readyz`)).status;
      await sleep(2000); // pacing of the probes; the load runs meanwhile
    }
    const acceptedInOutage = load.result.accepted.size - acceptedBefore;
    const sentInOutage = sentSoFar() - sentBefore;
    const lateSentInOutage = lateIds.filter((id) => w.receivedIds().includes(id)).length;
    await proxy.resume();
    const resumedAt = Date.now();

    const afterWrite = await waitFor(
      'an admin write succeeds after the outage',
      async () => {
        const a = await adminWrite('made-in-outage');
        return a.status === 201 ? a : undefined;
      },
      30_000,
      250,
    );
    const recovered = Date.now() - resumedAt;
    await waitFor(
      'load goes on after the outage',
      () => load.result.accepted.size >= acceptedBefore + acceptedInOutage + 50,
      60_000,
      50,
    );
    load.stop();
    const loaded = await load.done;

    const accepted = new Map<string, Accepted>(loaded.accepted);
    lateIds.forEach((id, i) => {
      accepted.set(id, { receiver: lateReceivers[i]!, at: resumedAt });
    });
    const c = await w.settleAndCheck(accepted);
    const d = c.deliveries;
    const rows = await sql<{
      n: number;
    }>`select count(*) as n from channel_accounts where name = ${'made-in-outage'}`.execute(w.core.db);
    const statuses = JSON.stringify(Object.fromEntries(loaded.statuses));
    reportChecked(
      `database unreachable ${OUTAGE_MS / 1000} s`,
      c,
      `in the outage: ${acceptedInOutage} cached sends accepted, ${sentInOutage} delivered; ` +
        `${probes.length} admin writes and ${coldSends.length} uncached sends → ` +
        `${[...new Set([...probes, ...coldSends].map((p) => `${p.status} ${p.code}`))].join(', ')}; ` +
        `${LATE} due in the outage (${lateSentInOutage} sent in it); admin write ok ${recovered} ms after; load ${statuses}`,
    );

    assert.ok(acceptedInOutage > 0 && sentInOutage > 0, 'cached sends went on during the outage');
    assert.equal(loaded.statuses.get(500) ?? 0, 0, `load answers ${statuses}`);
    assert.equal(loaded.statuses.get(503) ?? 0, 0, `cached sends refused in the outage: ${statuses}`);
    assert.equal(loaded.abandoned, 0);
    for (const p of [...probes, ...coldSends]) {
      assert.deepEqual([p.status, p.code], [503, 'DATABASE_UNAVAILABLE'], JSON.stringify(p.body));
      assert.ok(Number(p.retryAfter) >= 1);
    }
    assert.equal(ready, 503, '/readyz reports the database down');
    assert.equal(afterWrite?.status, 201);
    assert.equal(Number(rows.rows[0]?.n), 1, 'refused writes left nothing behind');
    assert.equal(lateSentInOutage, 0, 'deliveries whose template was never loaded waited for the database');
    assert.deepEqual(d.lost.slice(0, 5), [], `${d.lost.length} accepted deliveries lost\n${w.output()}`);
    assert.deepEqual(d.duplicated.slice(0, 5), [], 'sent twice');
    assert.equal(d.deadLettered, 0, 'a transient database error dead-lettered a delivery');
    assert.deepEqual(d.incomplete.slice(0, 5), [], 'incomplete timelines');
    assert.equal(d.unacknowledged, 0);
    assert.deepEqual(c.counters.diff.slice(0, 10), [], 'counters differ from the event streams');
    assert.deepEqual(c.pending, {}, 'entries left pending');
    assert.ok(c.settled && c.folded && c.idle);
  });
});
