// Crowd files at scale (issue: campaign files): a CSV of --rows receivers (default 1,000,000,
// ≈60 MB) streamed to a real ingest process, fired by a real scheduler process that is killed
// with SIGKILL part-way (--kill-at, a fraction of the chunks) and started again; prints peak RSS
// of both processes, timings, and proves every receiver was accepted exactly once.
//
//   npx tsx benchmarks/crowd-scale.ts                  # 1M rows, private redis-server, local MariaDB
//   npx tsx benchmarks/crowd-scale.ts --rows=100000 --kill-at=0   # smaller, no kill
//   npx tsx benchmarks/crowd-scale.ts --node-options=--max-old-space-size=96   # processes with a smaller V8 heap
//   npm run build && npx tsx benchmarks/crowd-scale.ts --runtime=dist           # the compiled build, as in the image
//
// Needs `redis-server` on the PATH (or --redis-url=) and MariaDB (--mysql=). No handler runs: the
// run's work is to accept every row into the send path, and the proof reads the delivery stream.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { spawnServiceWith } from './lib/child.ts';
import { argNumber, argString, dropPrefix, freePort, procUsage, sleep } from './lib/env.ts';
import { createBenchDb } from './lib/platform.ts';
import { startPrivateRedis } from './lib/redis-server.ts';

const ROWS = argNumber('rows', 1_000_000);
const KILL_AT = argNumber('kill-at', 0.3);
/** NODE_OPTIONS of the measured processes, e.g. `--max-old-space-size=96` (V8 then collects sooner). */
const NODE_OPTIONS = argString('node-options', '');
/** `tsx` (the sources, as `npm start` in a checkout) or `dist` (the compiled build, as the image). */
const RUNTIME = argString('runtime', 'tsx') === 'dist' ? 'dist' : 'tsx';

/** Peak resident memory of a process so far (Linux VmHWM), MB. */
const peakMb = (pid: number): number =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const rssMb = (pid: number): number => (procUsage(pid)?.rssBytes ?? 0) / 1024 / 1024;
const mb = (n: number) => `${n.toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A 6-field cron (seconds first) that fires once, at `at` (UTC). */
const cronAt = (at: number): string => {
  const d = new Date(at);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`;
};

const CITIES = ['Hangzhou Xihu', 'Shanghai Pudong', 'Beijing Haidian', 'Shenzhen Nanshan'];

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('receiver,name,code,shop,city\n');
  for (let i = 0; i < rows; i += 1000) {
    let s = '';
    for (let k = i; k < Math.min(rows, i + 1000); k++)
      s += `user${k}@example.com,User ${k},${k % 999_983},Shop ${k % 97},${CITIES[k % CITIES.length]}\n`;
    if (!out.write(s)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function main() {
  const givenRedis = argString('redis-url', '');
  const redisServer = givenRedis ? undefined : await startPrivateRedis();
  const redisUrl = givenRedis || redisServer!.url;
  const db = await createBenchDb(argString('mysql', 'mysql://root@127.0.0.1:3306'));
  const redis = new Redis(redisUrl);
  const prefix = `bench-crowd-${randomBytes(3).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'crowd-bench-'));
  const port = await freePort();
  const adminToken = randomBytes(16).toString('hex');
  const env = {
    REDIS_URL: redisUrl,
    DATABASE_URL: db.url,
    KEY_PREFIX: prefix,
    ADMIN_TOKEN: adminToken,
    SECRET_KEY: randomBytes(32).toString('hex'),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    TIMEZONE: 'UTC',
    REDIS_AUTOSTART: 'false',
    APP_DEFAULT_RATE: '0',
    // No handler drains the stream here: the run must not wait for one.
    BACKPRESSURE_HIGH_WATER: String(ROWS * 2),
    LOG_LEVEL: 'warn',
    ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}),
  };
  const procs = [spawnServiceWith('ingest', env, [], RUNTIME)];
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 300) throw new Error(`ingest did not start:\n${procs[0]!.output()}`);
      await sleep(100);
    }
    const csv = join(dir, 'crowd.csv');
    await writeCsv(csv, ROWS);
    const bytes = statSync(csv).size;
    const app = (await api('POST', '/v1/admin/apps', { name: 'shop' })) as { id: number };
    const account = (await api('POST', '/v1/admin/accounts', {
      name: 'sb',
      channel: 'sandbox',
      provider: 'sandbox',
      config: {},
    })) as { id: number };
    const tpl = (await api('POST', '/v1/admin/templates', {
      name: 'campaign',
      appId: app.id,
      channel: 'sandbox',
      messageType: 'marketing',
      accountId: account.id,
      content: { text: 'Hi {$name}, {$shop} has code {$code} for you' },
    })) as { id: number };

    // Upload: RSS of ingest sampled while the file arrives.
    const ingestPid = procs[0]!.child.pid!;
    const ingestIdle = rssMb(ingestPid);
    let ingestMax = ingestIdle;
    const sampleIngest = setInterval(() => {
      ingestMax = Math.max(ingestMax, rssMb(ingestPid));
    }, 50);
    const t0 = Date.now();
    const up = await fetch(`http://127.0.0.1:${port}/v1/admin/templates/${tpl.id}/crowd?filename=crowd.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/csv' },
      // The file streamed from disk in 64 KiB pieces, as a browser uploads a file.
      body: Readable.toWeb(createReadStream(csv, { highWaterMark: 64 * 1024 })) as ReadableStream<Uint8Array>,
      duplex: 'half',
    } as RequestInit);
    const uploadMs = Date.now() - t0;
    clearInterval(sampleIngest);
    const file = (await up.json()) as { rows?: number; chunks?: number; error?: unknown };
    if (up.status !== 201) {
      throw new Error(
        `upload answered ${up.status} ${JSON.stringify(file)}` +
          (up.status === 413 || up.status === 404
            ? ' (is the upload exempt from the 4 MiB JSON limit and mounted? see pkg/api/app.ts, services/ingest/routers.ts)'
            : ''),
      );
    }
    const ingestPeak = peakMb(ingestPid);

    // The run: fires a few seconds from now in a scheduler process, killed part-way, restarted.
    let scheduler = spawnServiceWith('scheduler', env, [], RUNTIME);
    procs.push(scheduler);
    const runAt = Math.ceil((Date.now() + 4000) / 1000) * 1000;
    await api('PATCH', `/v1/admin/templates/${tpl.id}`, { cron: cronAt(runAt) });
    const runOf = async () => {
      const list = (await api('GET', `/v1/admin/templates/${tpl.id}/runs?limit=1`)) as {
        items: {
          id: number;
          status: string;
          chunksDone: number;
          chunksTotal: number;
          accepted: number;
          startedAt: number;
          finishedAt: number | null;
          reason: string | null;
          rowsRead: number;
          rejected: number;
          skipped: number;
        }[];
      };
      return list.items[0];
    };
    let schedMax = 0;
    const sample = setInterval(() => {
      schedMax = Math.max(schedMax, rssMb(scheduler.child.pid!));
    }, 50);
    let killed: { at: number; chunks: number; peak: number } | undefined;
    let restartedAt = 0;
    let run: Awaited<ReturnType<typeof runOf>>;
    for (;;) {
      run = await runOf();
      if (run?.status && run.status !== 'running') break;
      if (run && !killed && KILL_AT > 0 && run.chunksDone >= Math.ceil(run.chunksTotal * KILL_AT)) {
        const peak = peakMb(scheduler.child.pid!);
        await scheduler.kill('SIGKILL');
        killed = { at: Date.now(), chunks: run.chunksDone, peak };
        scheduler = spawnServiceWith('scheduler', env, [], RUNTIME);
        procs.push(scheduler);
        restartedAt = Date.now();
      }
      await sleep(100);
    }
    clearInterval(sample);
    const schedPeak = peakMb(scheduler.child.pid!);

    // Exactly once: one stream entry per receiver, read back in pages.
    const seen = new Uint8Array(ROWS);
    let entries = 0;
    let cursor = '-';
    for (;;) {
      const page = await redis.xrange(`${prefix}d:{sandbox.marketing}`, cursor, '+', 'COUNT', 10_000);
      for (const [id, f] of page) {
        cursor = `(${id}`;
        const rcv = f[f.indexOf('rcv') + 1] ?? '';
        const n = Number(/^user(\d+)@/.exec(rcv)?.[1] ?? -1);
        if (n >= 0 && n < ROWS) seen[n] = Math.min(255, seen[n]! + 1);
        entries++;
      }
      if (page.length < 10_000) break;
    }
    const twice = seen.reduce((a, v) => a + (v > 1 ? 1 : 0), 0);
    const missing = seen.reduce((a, v) => a + (v === 0 ? 1 : 0), 0);
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);

    const lines = [
      `crowd-scale: ${ROWS.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB CSV${NODE_OPTIONS ? `, NODE_OPTIONS=${NODE_OPTIONS}` : ''}`,
      `  upload        ${secs(uploadMs)} (${Math.round(ROWS / (uploadMs / 1000)).toLocaleString('en')} rows/s), ${file.chunks} chunks`,
      `  ingest RSS    idle ${mb(ingestIdle)}, max while uploading ${mb(ingestMax)}, peak (VmHWM) ${mb(ingestPeak)}`,
      killed
        ? `  SIGKILL       at ${killed.chunks}/${run!.chunksTotal} chunks; first scheduler peak ${mb(killed.peak)}; restarted one resumed after ${secs(
            (run!.finishedAt ?? 0) - restartedAt,
          )} (incl. the 10 s lease hand-over)`
        : '  SIGKILL       none',
      `  run           ${run!.status}${run!.reason ? ` (${run!.reason})` : ''}: ${secs((run!.finishedAt ?? 0) - run!.startedAt)} from start to done, ` +
        `${run!.accepted.toLocaleString('en')} accepted, ${run!.rejected} rejected, ${run!.skipped} skipped`,
      `  scheduler RSS max sampled ${mb(schedMax)}, peak (VmHWM) of the last ${mb(schedPeak)}`,
      `  exactly once  ${entries.toLocaleString('en')} stream entries, ${twice} receivers twice, ${missing} missing`,
      `  redis         ${(used / 1e6).toFixed(0)} MB used`,
    ];
    console.log(lines.join('\n'));
    if (twice || missing || run!.status !== 'done') process.exitCode = 1;
  } finally {
    for (const p of procs) await p.kill('SIGKILL');
    await dropPrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
    await db.drop();
    await redisServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
