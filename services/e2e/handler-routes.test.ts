import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { groupLag } from '../../pkg/bus/lag.ts';
import { readSandboxInbox } from '../../pkg/channels/providers/sandbox/inbox.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import { HANDLER_GROUP } from '../../pkg/handler/start.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv, sandboxTemplate } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { startIngest } from '../ingest/wire.ts';

/**
 * HANDLER_ROUTES: a handler process dedicated to verification codes serves `*.auth` only, so a
 * notice (or a marketing flood) waits for the handler of its own routes and never shares the
 * auth handler's CPU. Real ingest, real handler processes, sandbox channel.
 */
describe('handler processes serving chosen routes (HANDLER_ROUTES)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let env: Record<string, string>;
  const procs: ServiceProcess[] = [];

  before(async () => {
    r = await testRedis();
    t = await testDb('mysql');
    env = platformEnv({ prefix: r.prefix, databaseUrl: t.url });
    core = await openCore(withDevSecrets(loadConfig(env)), 'routes-test');
    ingest = await startIngest(core);
  });
  after(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    for (const c of [...ingest.closers].reverse()) await c.close();
    for (const c of [...core.closers].reverse()) await c.close();
    await r.cleanup();
    await t.cleanup();
  });

  test('an auth-only handler sends codes and leaves notices to the handler of their route', async () => {
    const shop = await core.repos.apps.create({ name: 'shop' });
    const auth = await sandboxTemplate(
      core.repos,
      { text: 'code {$code}' },
      { messageType: 'auth', appId: shop.app.id },
    );
    const notice = await sandboxTemplate(core.repos, { text: 'hello {$name}' }, { appId: shop.app.id });
    const client = createClient({ baseUrl: `http://127.0.0.1:${ingest.port}`, apiKey: shop.apiKey });
    const inbox = async () => (await readSandboxInbox(r.redis, core.keys, { limit: 100 })).items;

    procs.push(spawnService('handler', { ...env, HANDLER_ROUTES: '*.auth' }));
    await client.send({
      templateId: notice.templateId,
      messages: [{ receivers: ['ann@example.com'], variables: { name: 'Ann' } }],
    });
    await client.send({
      templateId: auth.templateId,
      messages: [{ receivers: ['bob@example.com'], variables: { code: '123456' } }],
    });
    await waitFor('the code is sent', async () => (await inbox()).length === 1, 20_000, 50).catch((err) => {
      throw new Error(`${err.message}\n${procs[0]!.output()}`);
    });
    assert.equal((await inbox())[0]!.receiver, 'bob@example.com');
    // The notice stays queued: no consumer of its route has even read it.
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(await groupLag(r.redis, core.keys.stream('sandbox.notice'), HANDLER_GROUP), 1);
    assert.equal((await inbox()).length, 1);

    procs.push(spawnService('handler', { ...env, HANDLER_ROUTES: 'sandbox.notice,sandbox.marketing' }));
    await waitFor('the notice is sent', async () => (await inbox()).length === 2, 20_000, 50);
    assert.deepEqual((await inbox()).map((m) => m.receiver).sort(), ['ann@example.com', 'bob@example.com']);
  });

  test('a pattern that names no route stops the process with the variable named', async () => {
    const p = spawnService('handler', { ...env, HANDLER_ROUTES: 'sms.urgent' });
    procs.push(p);
    assert.equal(await p.exited, 2);
    assert.match(p.output(), /HANDLER_ROUTES: "sms\.urgent": unknown message type urgent/);
  });
});
