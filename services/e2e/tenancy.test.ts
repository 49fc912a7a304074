import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { newId } from '../../pkg/domain/ids.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import { todayIn } from '../../pkg/stats/buckets.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { startStack } from '../../pkg/testkit/stack.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';

type Answer = { status: number; body: Record<string, unknown> };

/**
 * Apps as tenants, end to end on real Redis, MariaDB, handler and aggregator, with two ingest
 * instances: an app key reads only its own messages, receiver listings, sandbox items, live
 * events and templates' stats, sends only with templates it owns or that are shared with it,
 * and every refusal is the 404 of a missing resource. A rotated or revoked key is refused by
 * both instances within a second.
 */
describe('tenancy: two apps, two ingest instances', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let core2: Core;
  const closers: Closer[] = [];
  const bases: string[] = [];
  let keyA = '';
  let keyB = '';
  let appA = 0;
  let appB = 0;
  let tplA = 0;
  let tplShared = 0;
  let tplB = 0;
  let msgA: string[] = [];
  let msgB: string[] = [];
  let requestA = '';
  const receiver = (i: number) => `Person${i}@Example.com`;

  const call = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    base = bases[0]!,
  ): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const send = (key: string, templateId: number, receivers: string[], bizId: string) =>
    call('POST', '/v1/send', key, {
      templateId,
      messages: [{ receivers, variables: { name: 'Ann' }, bizId }],
    });

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    const env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { EVENT_PARTITIONS: '2' });
    core = await openCore(withDevSecrets(loadConfig(env)), 'tenancy-1');
    core2 = await openCore(withDevSecrets(loadConfig(env)), 'tenancy-2');
    // One handler and aggregator; the second instance is ingest only.
    for (const [c, full] of [
      [core, true],
      [core2, false],
    ] as const) {
      const stack = await startStack(c, { handler: full, aggregator: full });
      bases.push(stack.base);
      closers.push(...stack.closers);
    }

    const admin = core.config.adminToken;
    const a = await call('POST', '/v1/admin/apps', admin, { name: 'shop' });
    const b = await call('POST', '/v1/admin/apps', admin, { name: 'crm' });
    [appA, keyA, appB, keyB] = [
      a.body.id as number,
      a.body.apiKey as string,
      b.body.id as number,
      b.body.apiKey as string,
    ];
    const account = await call('POST', '/v1/admin/accounts', admin, {
      name: 'sandbox',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    });
    const template = async (name: string, appId: number, sharedWithApps: number[] = []) => {
      const res = await call('POST', '/v1/admin/templates', admin, {
        name,
        channel: 'sandbox',
        messageType: 'notice',
        accountId: account.body.id,
        content: { text: `${name}: hello {$name}` },
        appId,
        sharedWithApps,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as number;
    };
    tplA = await template('a-only', appA);
    tplShared = await template('shared', appA, [appB]);
    tplB = await template('b-only', appB);
    // A second edit: messages record the version they were accepted with.
    assert.equal(
      (await call('PATCH', `/v1/admin/templates/${tplA}`, admin, { description: 'v2' })).body.version,
      2,
    );

    const sentA = await send(keyA, tplA, [receiver(1), receiver(2)], 'order-1');
    assert.equal(sentA.status, 202, JSON.stringify(sentA.body));
    const sentB = await send(keyB, tplShared, [receiver(1), receiver(3)], 'order-1');
    assert.equal(sentB.status, 202, JSON.stringify(sentB.body));
    const ownB = await send(keyB, tplB, [receiver(3)], 'order-2');
    assert.equal(ownB.status, 202);
    msgA = sentA.body.messageIds as string[];
    requestA = sentA.body.requestId as string;
    msgB = [...(sentB.body.messageIds as string[]), ...(ownB.body.messageIds as string[])];
    // Everything sent and folded before the reads.
    await waitFor('all five sent and folded', async () => {
      const got = await call('GET', `/v1/receivers/${encodeURIComponent(receiver(1))}/messages`, admin);
      const items = (got.body.items ?? []) as { state: string }[];
      const traces = await Promise.all(
        [...msgA, ...msgB].map((id) => call('GET', `/v1/messages/${id}`, admin)),
      );
      return (
        items.length === 2 &&
        items.every((i) => i.state === 'sent') &&
        traces.every((x) => x.body.state === 'sent')
      );
    });
  });

  after(async () => {
    for (const c of [...closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  test('an app sends only with templates it owns or that are shared with it; others are 404 as if missing', async () => {
    const foreign = await send(keyB, tplA, [receiver(9)], 'x');
    const missing = await send(keyB, 999_999, [receiver(9)], 'x');
    assert.equal(foreign.status, 404);
    assert.deepEqual(
      foreign.body,
      JSON.parse(JSON.stringify(missing.body).replaceAll('999999', String(tplA))),
    );
    assert.equal((await send(keyA, tplB, [receiver(9)], 'x')).status, 404);
    // The shared template works for both; its owner keeps it.
    assert.equal((await send(keyA, tplShared, [receiver(8)], 'x')).status, 202);
  });

  test('message traces: own ones with template version, account and provider; foreign ones 404 like unknown ids', async () => {
    const own = await call('GET', `/v1/messages/${msgA[0]}`, keyA);
    assert.equal(own.status, 200);
    assert.equal(own.body.templateVersion, 2);
    assert.equal(own.body.appId, appA);
    assert.equal(own.body.provider, 'sandbox');
    assert.equal(typeof own.body.accountId, 'number');
    assert.equal(own.body.bizId, 'order-1');
    assert.equal(own.body.receiver, receiver(1), 'the address as the caller wrote it');
    assert.equal('content' in own.body, false, 'no rendered content in traces');
    const foreign = await call('GET', `/v1/messages/${msgA[0]}`, keyB);
    // A well-formed id that no message has: its 404 is what "missing" looks like.
    const neverSent = newId(Date.now());
    const unknown = await call('GET', `/v1/messages/${neverSent}`, keyB);
    assert.equal(foreign.status, 404);
    assert.deepEqual(foreign.body, JSON.parse(JSON.stringify(unknown.body).replaceAll(neverSent, msgA[0]!)));
    assert.equal((await call('GET', `/v1/messages/${msgB[0]}`, keyB)).status, 200);
    assert.equal((await call('GET', `/v1/messages/${msgA[0]}`, core.config.adminToken)).status, 200);
  });

  test('lookups by requestId and bizId list only the caller’s messages', async () => {
    const ids = (a: Answer) =>
      ((a.body.items ?? []) as { messageId: string }[]).map((m) => m.messageId).sort();
    assert.deepEqual(ids(await call('GET', `/v1/messages?requestId=${requestA}`, keyA)), [...msgA].sort());
    assert.deepEqual(ids(await call('GET', `/v1/messages?requestId=${requestA}`, keyB)), []);
    assert.deepEqual(ids(await call('GET', '/v1/messages?bizId=order-1', keyA)), [...msgA].sort());
    assert.deepEqual(ids(await call('GET', '/v1/messages?bizId=order-1', keyB)), msgB.slice(0, 2).sort());
    assert.deepEqual(
      ids(await call('GET', '/v1/messages?bizId=order-1', core.config.adminToken)),
      [...msgA, ...msgB.slice(0, 2)].sort(),
    );
    assert.equal((await call('GET', '/v1/messages', keyA)).status, 422);
    assert.equal((await call('GET', `/v1/messages?bizId=x&requestId=${requestA}`, keyA)).status, 422);
  });

  test('receiver listings: any form of the address, only the caller’s messages', async () => {
    const day = todayIn(core.config.timezone, Date.now());
    const list = async (form: string, key: string) =>
      (
        (await call('GET', `/v1/receivers/${encodeURIComponent(form)}/messages?day=${day}`, key)).body
          .items as {
          messageId: string;
        }[]
      ).map((m) => m.messageId);
    assert.deepEqual(await list('person1@example.com', keyA), [msgA[0]]);
    assert.deepEqual(await list('PERSON1@EXAMPLE.COM', keyB), [msgB[0]]);
    assert.equal((await list(receiver(1), core.config.adminToken)).length, 2);
    assert.deepEqual(await list(receiver(2), keyB), []);
  });

  test('template stats only to the owning app; a shared template’s stats stay its owner’s', async () => {
    const stats = (id: number, key: string) => call('GET', `/v1/templates/${id}/stats`, key);
    const ownStats = await stats(tplA, keyA);
    assert.equal(ownStats.status, 200);
    const days = ownStats.body.days as { counts: Record<string, number> }[];
    assert.equal(days.at(-1)?.counts.sent, 2);
    const foreign = await stats(tplA, keyB);
    const missing = await stats(999_999, keyB);
    assert.equal(foreign.status, 404);
    assert.deepEqual(
      foreign.body,
      JSON.parse(JSON.stringify(missing.body).replaceAll('999999', String(tplA))),
    );
    assert.equal((await stats(tplShared, keyB)).status, 404, 'shared to send, not to read stats');
    assert.equal((await stats(tplShared, keyA)).status, 200);
    assert.equal((await stats(tplB, keyA)).status, 404);
  });

  test('the sandbox inbox shows an app only what it sent', async () => {
    const inbox = async (key: string) =>
      (await call('GET', '/v1/sandbox/messages?limit=100', key)).body.items as {
        messageId: string;
        appId: number;
      }[];
    const a = await inbox(keyA);
    const b = await inbox(keyB);
    assert.ok(a.length >= 2 && a.every((i) => i.appId === appA));
    assert.ok(msgA.every((id) => a.some((i) => i.messageId === id)));
    assert.deepEqual(b.map((i) => i.messageId).sort(), [...msgB].sort());
    assert.ok((await inbox(core.config.adminToken)).length >= a.length + b.length);
  });

  test('the live event stream carries only the caller’s events (filtered server-side)', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${bases[1]}/v1/events/stream`, {
      headers: { authorization: `Bearer ${keyB}` },
      signal: ctl.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    const pump = (async () => {
      const dec = new TextDecoder();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          text += dec.decode(value);
        }
      } catch {
        // aborted
      }
    })();
    try {
      await waitFor('ready', () => text.includes('event: ready'));
      const sendOne = async (key: string, templateId: number, to: string) =>
        ((await send(key, templateId, [to], 'live')).body.messageIds as string[])[0]!;
      // The aggregator notices a new subscriber within its check period: until then it does not
      // publish, so B sends (one more every second) until its events flow.
      let probe = await sendOne(keyB, tplB, receiver(21));
      let probedAt = Date.now();
      await waitFor(
        'B’s events flow into B’s stream',
        async () => {
          if (text.includes(probe)) return true;
          if (Date.now() - probedAt > 1000) {
            probe = await sendOne(keyB, tplB, receiver(21));
            probedAt = Date.now();
          }
          return false;
        },
        30_000,
      );
      // A message of A, folded (so published) before B's next one is even sent: if the filter let
      // it through, it would be in the stream before B's.
      const idA = await sendOne(keyA, tplA, receiver(20));
      await waitFor('A’s message is folded as sent', async () => {
        const day = todayIn(core.config.timezone, Date.now());
        const got = await call(
          'GET',
          `/v1/receivers/${encodeURIComponent(receiver(20))}/messages?day=${day}`,
          keyA,
        );
        return ((got.body.items ?? []) as { messageId: string; state: string }[]).some(
          (m) => m.messageId === idA && m.state === 'sent',
        );
      });
      const idB = await sendOne(keyB, tplB, receiver(22));
      await waitFor('B’s next message reaches sent in B’s stream', () =>
        text.split('\n\n').some((f) => f.includes(idB) && f.includes('"state":"sent"')),
      );
      assert.equal(text.includes(idA), false, 'no event of another app');
    } finally {
      ctl.abort();
      await pump;
    }
  });

  test('recall of another app’s message is refused', async () => {
    const res = await call('POST', '/v1/recall', keyB, { messageIds: [msgA[1]] });
    const results = (res.body.results ?? []) as { result: string }[];
    assert.ok(res.status === 404 || results.every((x) => x.result === 'unknown'), JSON.stringify(res.body));
    assert.equal((await call('GET', `/v1/messages/${msgA[1]}`, keyA)).body.state, 'sent');
  });

  test('a paused template refuses /v1/send with 409; a test send still tries it', async () => {
    const admin = core.config.adminToken;
    assert.equal((await call('POST', `/v1/admin/templates/${tplB}/pause`, admin)).status, 200);
    // Both instances drop their cached template on the change announcement.
    for (const base of bases) {
      await waitFor(
        'paused everywhere',
        async () =>
          (
            await call(
              'POST',
              '/v1/send',
              keyB,
              {
                templateId: tplB,
                messages: [{ receivers: [receiver(30)], variables: { name: 'x' } }],
              },
              base,
            )
          ).status === 409,
      );
    }
    const refused = await send(keyB, tplB, [receiver(30)], 'p');
    assert.equal((refused.body.error as { code: string }).code, 'TEMPLATE_PAUSED');
    const preview = await call('POST', `/v1/admin/templates/${tplB}/preview`, admin, {
      variables: { name: 'Bo' },
    });
    assert.deepEqual(preview.body, { content: { text: 'b-only: hello Bo' }, placeholders: ['name'] });
    const gap = await call('POST', `/v1/admin/templates/${tplB}/preview`, admin, { variables: {} });
    assert.equal(gap.status, 422);
    assert.equal((gap.body.error as { code: string }).code, 'MISSING_VARIABLES');
    const test = await call('POST', `/v1/admin/templates/${tplB}/test`, admin, {
      receiver: receiver(31),
      variables: { name: 'Tess' },
    });
    assert.equal(test.status, 202, JSON.stringify(test.body));
    const id = (test.body.messageIds as string[])[0]!;
    await waitFor('test send delivered', async () => {
      const tr = await call('GET', `/v1/messages/${id}`, keyB);
      return tr.body.state === 'sent' && tr.body.bizId === 'test-send' && tr.body.appId === appB;
    });
    assert.equal((await call('POST', `/v1/admin/templates/${tplB}/start`, admin)).status, 200);
  });

  test('a rotated key is refused by both ingest instances within a second; a deleted app too', async () => {
    const probe = (key: string, base: string) =>
      call('GET', '/v1/sandbox/messages?limit=1', key, undefined, base);
    // Both instances have the key cached.
    for (const base of bases) assert.equal((await probe(keyA, base)).status, 200);
    const rotated = await call('POST', `/v1/admin/apps/${appA}/rotate-key`, core.config.adminToken);
    assert.equal(rotated.status, 200);
    const t0 = Date.now();
    for (const base of bases) {
      await waitFor('old key refused', async () => (await probe(keyA, base)).status === 401, 1000);
      assert.equal((await probe(rotated.body.apiKey as string, base)).status, 200);
    }
    assert.ok(Date.now() - t0 < 1000, `refused after ${Date.now() - t0} ms`);

    for (const base of bases) assert.equal((await probe(keyB, base)).status, 200);
    assert.equal(
      (await call('DELETE', `/v1/admin/apps/${appB}`, core2.config.adminToken, undefined, bases[1])).status,
      204,
    );
    const t1 = Date.now();
    for (const base of bases)
      await waitFor('deleted app refused', async () => (await probe(keyB, base)).status === 401, 1000);
    assert.ok(Date.now() - t1 < 1000);
  });
});
