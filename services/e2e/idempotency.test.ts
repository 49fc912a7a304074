import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readSandboxInbox } from '../../pkg/channels/providers/sandbox/inbox.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { fieldsToRecord } from '../../pkg/domain/delivery.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { randomTag, testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { startIngest } from '../ingest/wire.ts';

/**
 * Idempotency-Key over real HTTP: concurrent duplicates enqueue once, a later retry replays the
 * first answer, another body under the same key is refused, and a refused body does not use
 * the key up. Deliveries go through a handler process to the sandbox, where each arrives once.
 */
describe('Idempotency-Key (ingest over HTTP + handler process + sandbox)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let env: Record<string, string>;
  let apiKey: string;
  let otherKey: string;
  let templateId: number;
  let h: ServiceProcess | undefined;
  const route = 'sandbox.notice' as const;

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    env = platformEnv({ prefix: r.prefix, databaseUrl: t.url });
    core = await openCore(withDevSecrets(loadConfig(env)), 'idem-test');
    ingest = await startIngest(core);
    const shop = await core.repos.apps.create({ name: 'shop' });
    const other = await core.repos.apps.create({ name: 'other' });
    apiKey = shop.apiKey;
    otherKey = other.apiKey;
    templateId = (
      await sandboxTemplate(
        core.repos,
        { text: 'Your code is {$code}' },
        { name: 'code', appId: shop.app.id, sharedWithApps: [other.app.id] },
      )
    ).templateId;
  });

  after(async () => {
    await h?.kill('SIGKILL');
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  type Answer = { status: number; headers: Headers; body: Record<string, unknown> };

  async function send(body: unknown, key: string, token = apiKey): Promise<Answer> {
    const res = await fetch(`http://127.0.0.1:${ingest.port}/v1/send`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  /** Entries ever added to the route's stream (not lowered by trimming). */
  async function added(): Promise<number> {
    try {
      return Number(
        fieldsToRecord((await r.redis.call('XINFO', 'STREAM', core.keys.stream(route))) as string[])[
          'entries-added'
        ],
      );
    } catch {
      return 0;
    }
  }

  async function count(pattern: string): Promise<number> {
    let n = 0;
    let cursor = '0';
    do {
      const [next, found] = await r.redis.scan(cursor, 'MATCH', `${r.prefix}${pattern}`, 'COUNT', 1000);
      cursor = next;
      n += found.length;
    } while (cursor !== '0');
    return n;
  }

  const body = (code: string, receivers = ['+8613800138000', 'ann', 'bob']) => ({
    templateId,
    messages: [{ receivers, variables: { code } }],
  });

  test('20 concurrent identical requests with one key enqueue once; each answer is the same 202 or a 409 with Retry-After', async () => {
    const key = `order-${randomTag()}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(body('1234'), key)));
    const accepted = answers.filter((a) => a.status === 202);
    const busy = answers.filter((a) => a.status === 409);
    assert.equal(accepted.length + busy.length, 20, JSON.stringify(answers.map((a) => [a.status, a.body])));
    assert.ok(accepted.length >= 1);
    const first = accepted[0]!.body as { requestId: string; messageIds: string[]; accepted: number };
    assert.equal(first.accepted, 3);
    for (const a of accepted) assert.deepEqual(a.body, first);
    // Exactly one of the 202s did the work; the others (if any) replayed it.
    assert.equal(accepted.filter((a) => a.headers.get('idempotency-replay') !== 'true').length, 1);
    for (const a of busy) {
      assert.equal((a.body.error as { code: string }).code, 'REQUEST_IN_PROGRESS');
      assert.ok(Number(a.headers.get('retry-after')) >= 1, `Retry-After ${a.headers.get('retry-after')}`);
    }
    console.log(`# 20 concurrent requests: ${accepted.length} × 202, ${busy.length} × 409`);
    assert.equal(await added(), 3, 'stream entries');
    assert.equal(await count('att:*'), 3, 'ledger records');
    assert.equal(await count('rq:*'), 1, 'request lists');
    assert.deepEqual(await r.redis.lrange(core.keys.request(first.requestId), 0, -1), first.messageIds);

    // A later retry replays the first answer, marked as a replay, and enqueues nothing.
    const later = await send(body('1234'), key);
    assert.equal(later.status, 202);
    assert.equal(later.headers.get('idempotency-replay'), 'true');
    assert.deepEqual(later.body, first);
    assert.equal(await added(), 3);

    // The same key with another body is refused, and enqueues nothing.
    const other = await send(body('9999'), key);
    assert.equal(other.status, 422);
    assert.equal((other.body.error as { code: string }).code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(await added(), 3);
    assert.equal(await count('att:*'), 3);

    // The same key of another app is another request.
    const otherApp = await send(body('1234'), key, otherKey);
    assert.equal(otherApp.status, 202);
    assert.equal(otherApp.headers.get('idempotency-replay'), null);
    const otherIds = (otherApp.body as { messageIds: string[] }).messageIds;
    assert.equal(otherIds.filter((id) => first.messageIds.includes(id)).length, 0);
    assert.equal(await added(), 6);

    // Delivered: each message arrives exactly once.
    h = spawnService('handler', env);
    const all = [...first.messageIds, ...otherIds];
    await waitFor(
      'deliveries in the sandbox',
      async () => {
        const { items } = await readSandboxInbox(r.redis, core.keys, { limit: 1000 });
        return all.every((id) => items.some((i) => i.messageId === id));
      },
      30_000,
      100,
    );
    const { items } = await readSandboxInbox(r.redis, core.keys, { limit: 1000 });
    for (const id of all)
      assert.equal(items.filter((i) => i.messageId === id).length, 1, `${id} arrived twice`);
    assert.equal(items.length, 6);
    await h.kill('SIGTERM');
    assert.equal(await h.exited, 0, h.output());
  });

  test('a body refused before anything was written does not use the key up', async () => {
    const key = `fix-${randomTag()}`;
    const before = await added();
    const missing = await send({ templateId, messages: [{ receivers: ['ann'], variables: {} }] }, key);
    assert.equal(missing.status, 422);
    assert.equal((missing.body.error as { code: string }).code, 'MISSING_VARIABLES');
    const unknown = await send({ ...body('1'), templateId: 987_654 }, key);
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    // The corrected body under the same key goes through, once.
    const fixed = await send(body('4321', ['ann']), key);
    assert.equal(fixed.status, 202, JSON.stringify(fixed.body));
    assert.equal(fixed.headers.get('idempotency-replay'), null);
    const replay = await send(body('4321', ['ann']), key);
    assert.equal(replay.headers.get('idempotency-replay'), 'true');
    assert.deepEqual(replay.body, fixed.body);
    assert.equal(await added(), before + 1);
  });
});
