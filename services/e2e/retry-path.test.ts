import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { fieldsToRecord } from '../../pkg/domain/delivery.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { type SmtpServerFixture, startSmtpServer } from '../../pkg/testkit/smtp.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { startIngest } from '../ingest/wire.ts';

/**
 * Retries and dead letters end to end: ingest → Redis → handler process → a real SMTP server
 * that answers 451 (transient) or 550 (permanent). Transient refusals are retried with backoff
 * until the mail arrives, once; permanent ones fail after one attempt; transient refusals that
 * never end stop at MAX_ATTEMPTS. Everything lands in the ledger, the events and the DLQ.
 */
describe('retries and dead letters (ingest + handler process + SMTP 451/550)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let smtp: SmtpServerFixture;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let env: Record<string, string>;
  let apiKey: string;
  let templateId: number;
  const procs: ServiceProcess[] = [];
  const route = 'email.notice' as const;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    smtp = await startSmtpServer();
    env = platformEnv(
      { prefix: r.prefix, databaseUrl: t.url },
      {
        // Enough attempts that a 1 s outage can never exhaust them (the backoff ceiling reaches
        // 500 ms by the fourth attempt); the "never ends" case runs a handler with 3.
        RETRY_BASE_MS: '100',
        RETRY_MAX_MS: '500',
        MAX_ATTEMPTS: '20',
        VISIBILITY_TIMEOUT_MS: '5000',
        HANDLER_CONCURRENCY: '20',
      },
    );
    core = await openCore(withDevSecrets(loadConfig(env)), 'retry-test');
    ingest = await startIngest(core);
    const account = await core.repos.accounts.create({
      name: 'smtp',
      channel: 'email',
      provider: 'smtp',
      config: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'noreply@shop.test' },
    });
    const shop = await core.repos.apps.create({ name: 'shop' });
    apiKey = shop.apiKey;
    templateId = (
      await core.repos.templates.create({
        appId: shop.app.id,
        name: 'receipt',
        channel: 'email',
        messageType: 'notice',
        accountId: account.id,
        content: { subject: 'Receipt {$order}', text: 'Thanks, order {$order}' },
      })
    ).id;
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await smtp.close();
    await r.cleanup();
    await t.cleanup();
  });

  // A failed test must not leave its handler consuming the next test's deliveries.
  afterEach(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  });

  const handler = (extra: Record<string, string> = {}) => {
    const p = spawnService('handler', { ...env, ...extra });
    procs.push(p);
    return p;
  };

  async function send(n: number, tag: string): Promise<string[]> {
    const client = createClient({ baseUrl: `http://127.0.0.1:${ingest.port}`, apiKey });
    const res = await client.send({
      templateId,
      messages: [
        {
          receivers: Array.from({ length: n }, (_, i) => `u${i}.${tag}@example.com`),
          variables: { order: tag },
        },
      ],
    });
    assert.equal(res.messageIds.length, n);
    return res.messageIds;
  }

  /** SMTP conversations per message id (accepted + refused). */
  const attemptsAtSmtp = (id: string) =>
    (smtp.countById.get(id) ?? 0) + smtp.rejected.filter((m) => m.pushMessageId === id).length;

  /** Every lifecycle event of the given messages, per message, in stream order. */
  async function eventsOf(ids: string[]): Promise<Map<string, { st: string; rsn: string }[]>> {
    const want = new Set(ids);
    const out = new Map<string, { st: string; rsn: string }[]>(ids.map((id) => [id, []]));
    for (let p = 0; p < core.config.eventPartitions; p++) {
      const entries = await r.redis.xrange(core.keys.events(p), '-', '+');
      for (const [, flat] of entries) {
        const f = fieldsToRecord(flat);
        if (f.id && want.has(f.id)) out.get(f.id)!.push({ st: f.st ?? '', rsn: f.rsn ?? '' });
      }
    }
    return out;
  }

  /** Dead-letter entries of the route, by message id. */
  async function deadLetters(): Promise<Map<string, Record<string, string>[]>> {
    const out = new Map<string, Record<string, string>[]>();
    for (const [, flat] of await r.redis.xrange(core.keys.deadLetters(route), '-', '+')) {
      const f = fieldsToRecord(flat);
      out.set(f.id!, [...(out.get(f.id!) ?? []), f]);
    }
    return out;
  }

  const settled = async () =>
    (await r.redis.zcard(core.keys.delayed(route))) === 0 &&
    Number(((await r.redis.xpending(core.keys.stream(route), 'handlers')) as [number])[0]) === 0;

  test('451 for a while: retried with backoff, every mail arrives exactly once, ledger shows the retries', async () => {
    const h = handler();
    smtp.setMode('451');
    const ids = await send(20, 'grey');
    // The outage lasts from before the first attempt until ~1 s after every delivery was refused once.
    await waitFor('every delivery refused once', () => ids.every((id) => attemptsAtSmtp(id) >= 1), 30_000);
    await new Promise((res) => setTimeout(res, 1000));
    const refusedDuringOutage = smtp.rejected.length;
    assert.ok(
      refusedDuringOutage > ids.length,
      `only ${refusedDuringOutage} refusals: no retry during the outage`,
    );
    smtp.setMode('accept');

    await waitFor('every mail after the outage', () => ids.every((id) => smtp.countById.has(id)), 30_000);
    await waitFor('ledger settled', async () => {
      const recs = await Promise.all(ids.map((id) => core.ledger.record(id)));
      return recs.every((x) => x?.st === 'sent');
    });
    assert.ok(
      ids.every((id) => smtp.countById.get(id) === 1),
      'a mail arrived more than once',
    );
    const events = await eventsOf(ids);
    for (const id of ids) {
      const rec = (await core.ledger.record(id))!;
      const n = Number(rec.n);
      assert.ok(n > 1, `${id}: ${n} attempt(s) recorded, expected retries`);
      assert.equal(n, attemptsAtSmtp(id), `${id}: ledger attempts vs SMTP conversations`);
      const states = events.get(id)!.map((e) => e.st);
      assert.equal(states[0], 'accepted');
      assert.equal(states.at(-1), 'sent', `${id}: ${states.join(' → ')}`);
      assert.equal(states.filter((s) => s === 'sent').length, 1);
      assert.equal(states.filter((s) => s === 'retrying').length, n - 1, `${id}: ${states.join(' → ')}`);
      assert.ok(!states.includes('sending'), 'no sending event: each outcome followed its attempt');
      assert.ok(!states.includes('failed') && !states.includes('dead_lettered'), states.join(' → '));
      const retry = events.get(id)!.find((e) => e.st === 'retrying')!;
      assert.match(retry.rsn, /SMTP_451/);
    }
    // Backoff: a message's attempts are spread out, not fired back to back.
    const byId = new Map<string, number[]>();
    for (const m of smtp.rejected)
      byId.set(m.pushMessageId, [...(byId.get(m.pushMessageId) ?? []), m.receivedAt]);
    const spans = ids.map((id) => {
      const times = [
        ...(byId.get(id) ?? []),
        ...smtp.messages.filter((m) => m.pushMessageId === id).map((m) => m.receivedAt),
      ];
      return Math.max(...times) - Math.min(...times);
    });
    assert.ok(
      spans.every((s) => s >= 0) && spans.reduce((a, b) => a + b, 0) / spans.length > 300,
      `attempts not spread out: ${spans.join(',')}`,
    );
    assert.equal((await deadLetters()).size, 0, 'nothing dead-lettered');
    await waitFor('nothing left in flight', settled);
    await h.kill('SIGTERM');
    assert.equal(await h.exited, 0, h.output());
  });

  test('550: each delivery fails after exactly one SMTP attempt and is dead-lettered with its reason', async () => {
    const h = handler();
    smtp.setMode('550');
    const ids = await send(15, 'bounce');
    await waitFor(
      'every delivery failed',
      async () => {
        const recs = await Promise.all(ids.map((id) => core.ledger.record(id)));
        return recs.every((x) => x?.st === 'failed');
      },
      30_000,
    );
    await waitFor('every delivery dead-lettered', async () => {
      const dl = await deadLetters();
      return ids.every((id) => dl.has(id));
    });
    await waitFor('nothing left in flight', settled);
    // Give a wrongly scheduled retry time to show up.
    await new Promise((res) => setTimeout(res, 800));
    const dl = await deadLetters();
    const events = await eventsOf(ids);
    for (const id of ids) {
      assert.equal(attemptsAtSmtp(id), 1, `${id}: a permanent refusal was retried`);
      assert.equal(smtp.countById.get(id), undefined);
      const rec = (await core.ledger.record(id))!;
      assert.equal(rec.n, '1');
      assert.equal(rec.fin, '1');
      const dead = dl.get(id)!;
      assert.equal(dead.length, 1, `${id} dead-lettered ${dead.length} times`);
      assert.equal(dead[0]!.dlq_reason, 'SMTP_550');
      assert.match(dead[0]!.dlq_message ?? '', /550/);
      assert.equal(dead[0]!.att, '1');
      const states = events.get(id)!.map((e) => e.st);
      assert.deepEqual(states, ['accepted', 'failed', 'dead_lettered']);
      assert.equal(events.get(id)!.find((e) => e.st === 'failed')!.rsn, 'SMTP_550');
    }
    await h.kill('SIGTERM');
    assert.equal(await h.exited, 0, h.output());
  });

  test('451 forever: attempts stop at MAX_ATTEMPTS, then failed and dead-lettered; nothing retried forever', async () => {
    const maxAttempts = 3;
    const h = handler({ MAX_ATTEMPTS: String(maxAttempts), RETRY_BASE_MS: '50', RETRY_MAX_MS: '200' });
    smtp.setMode('451');
    const ids = await send(10, 'forever');
    await waitFor(
      'every delivery dead-lettered',
      async () => {
        const dl = await deadLetters();
        return ids.every((id) => dl.has(id));
      },
      30_000,
    );
    await waitFor('nothing left in flight', settled);
    const atDeath = ids.map(attemptsAtSmtp);
    // Well past the longest backoff: no attempt may follow the dead letter.
    await new Promise((res) => setTimeout(res, 1000));
    assert.deepEqual(ids.map(attemptsAtSmtp), atDeath, 'attempts continued after the dead letter');
    const dl = await deadLetters();
    const events = await eventsOf(ids);
    for (const id of ids) {
      assert.equal(attemptsAtSmtp(id), maxAttempts, `${id}: ${attemptsAtSmtp(id)} SMTP attempts`);
      const rec = (await core.ledger.record(id))!;
      assert.equal(rec.st, 'failed');
      assert.equal(Number(rec.n), maxAttempts);
      const dead = dl.get(id)!;
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.dlq_reason, 'SMTP_451');
      assert.equal(dead[0]!.att, String(maxAttempts));
      const states = events.get(id)!.map((e) => e.st);
      assert.equal(states.filter((s) => s === 'retrying').length, maxAttempts - 1, states.join(' → '));
      assert.deepEqual(states.slice(-2), ['failed', 'dead_lettered']);
    }
    assert.equal(smtp.messages.filter((m) => ids.includes(m.pushMessageId)).length, 0);
    await h.kill('SIGTERM');
    assert.equal(await h.exited, 0, h.output());
  });
});
