import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { redisAnswers } from '../../pkg/redis/local-server.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { freePort, randomTag, waitFor } from '../../pkg/testkit/testkit.ts';
import type { DemoSeed } from '../all/seed.ts';

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });

/**
 * The embedded default (`npm start`): the all-in-one process launches its own redis-server under
 * DATA_DIR. Messages accepted while their `sendAt` holds them back survive a stop and start of the
 * process: each is delivered once after the restart, and the counters are exact.
 */
describe('embedded all-in-one: its private Redis persists across a restart', () => {
  const data = mkdtempSync(join(tmpdir(), 'push-embedded-'));
  let redisUrl = '';
  let proc: ServiceProcess | undefined;

  after(async () => {
    await proc?.kill('SIGKILL');
    // A failed run may leave the private redis-server (its own process group) behind.
    if (redisUrl && (await redisAnswers(redisUrl))) {
      const { Redis } = await import('ioredis');
      const r = new Redis(redisUrl, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined);
      await r.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      r.disconnect();
    }
    rmSync(data, { recursive: true, force: true });
  });

  /** Starts `services/all/main.ts` and waits for its banner; returns the API base URL. */
  async function start(): Promise<string> {
    proc = spawnService('all', {
      DATA_DIR: data,
      REDIS_URL: redisUrl,
      REDIS_AUTOSTART: 'true',
      DATABASE_URL: `sqlite://${join(data, 'push.db')}`,
      ADMIN_TOKEN: `admin-${randomTag()}-${randomTag()}`,
      SECRET_KEY: 'e'.repeat(64),
      PORT: '0',
      HOST: '127.0.0.1',
      TIMEZONE: 'UTC',
      LOG_FORMAT: 'json',
    });
    const p = proc;
    return waitFor(
      'the all-in-one banner',
      () => {
        if (p.child.exitCode !== null) throw new Error(`the all-in-one process exited (${p.child.exitCode})`);
        return /API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(p.output())?.[1];
      },
      60_000,
      100,
    ).then(
      (url) => url!,
      (err) => assert.fail(`${err}\n${p.output()}`),
    );
  }

  test('accepted, held-back messages are delivered once after a stop and start; counters exact', async () => {
    redisUrl = `redis://127.0.0.1:${await freePort()}`;
    let base = await start();
    const demo = JSON.parse(readFileSync(join(data, 'demo-app.json'), 'utf8')) as DemoSeed;
    const auth = { authorization: `Bearer ${demo.apiKey}` };
    const tag = randomTag();
    const receivers = Array.from({ length: 20 }, (_, i) => `r${i}-${tag}@example.com`);
    // Due well after the restart: nothing can go out before the process is stopped.
    const sendAt = new Date(Date.now() + 20_000).toISOString();
    const res = await fetch(`${base}/v1/send`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        templateId: demo.templateId,
        sendAt,
        messages: receivers.map((r, i) => ({ receivers: [r], variables: { name: `U${i}` } })),
      }),
    });
    assert.equal(res.status, 202, await res.clone().text());
    const { messageIds } = (await res.json()) as { messageIds: string[] };
    assert.equal(messageIds.length, receivers.length);

    const inbox = async (b: string) => {
      const r = await fetch(`${b}/v1/sandbox/messages?limit=1000`, { headers: auth });
      return ((await r.json()) as { items: { messageId: string; receiver: string }[] }).items.filter((m) =>
        m.receiver.endsWith(`-${tag}@example.com`),
      );
    };
    assert.equal((await inbox(base)).length, 0, 'nothing is due yet');

    assert.equal(await proc!.kill('SIGTERM'), 0, proc!.output());
    assert.equal(await redisAnswers(redisUrl), false, 'the private Redis stopped with the process');
    const dir = join(data, 'redis');
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'redis dir is 0700');
    const aof = filesUnder(dir).filter((f) => /\.aof/.test(f));
    assert.ok(aof.length > 0, `an append-only file under ${dir}`);
    for (const f of filesUnder(dir)) assert.equal(statSync(f).mode & 0o077, 0, `${f} is private (0600)`);

    base = await start();
    const delivered = await waitFor(
      'every held-back message delivered after the restart',
      async () => {
        const items = await inbox(base);
        return items.length >= receivers.length ? items : undefined;
      },
      90_000,
      250,
    ).then(
      (items) => items!,
      (err) => assert.fail(`${err}\n${proc!.output()}`),
    );
    assert.deepEqual(
      delivered.map((m) => m.messageId).sort(),
      [...messageIds].sort(),
      'each accepted message delivered exactly once',
    );

    const counts = await waitFor(
      'the counters caught up',
      async () => {
        const r = await fetch(`${base}/v1/templates/${demo.templateId}/stats`, { headers: auth });
        const body = (await r.json()) as { days: { counts: Record<string, number> }[] };
        const c = body.days.at(-1)?.counts ?? {};
        return (c.sent ?? 0) >= receivers.length ? c : undefined;
      },
      30_000,
      250,
    ).then((c) => c!);
    assert.equal(counts.accepted, receivers.length, JSON.stringify(counts));
    assert.equal(counts.sent, receivers.length, JSON.stringify(counts));
    assert.equal((await inbox(base)).length, receivers.length, 'no second copy after the counters settled');
    assert.equal(await proc!.kill('SIGTERM'), 0, proc!.output());
  });
});
