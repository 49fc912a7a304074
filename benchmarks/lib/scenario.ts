import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { benchEnv } from './env.ts';
import { startPrivateRedis } from './redis-server.ts';
import { type SummaryKey, updateSummary, writeResult } from './results.ts';

/** What every run of a scenario gets. */
export type BenchContext = Readonly<{
  redisUrl: string;
  /** MySQL/MariaDB server URL without a database; scenarios create their own database. */
  mysqlUrl: string;
  /** A connection of the harness itself (never one of the measured processes'). */
  redis: Redis;
  /** Set by `--profile`: write CPU profiles of the measured processes here. */
  profileDir?: string;
  log: (msg: string) => void;
}>;

/** A scenario's report: results files' content and its medians for summary.json. */
export type ScenarioReport = Readonly<{
  json: unknown;
  markdown: string;
  summary: Partial<Record<SummaryKey, number>> & { loadGenerator?: string };
}>;

/**
 * One benchmark scenario: `runOnce` measures once on fresh processes, key prefix and database;
 * `report` turns several runs into medians with spread.
 */
export type Scenario<R> = Readonly<{
  name: string;
  runOnce(ctx: BenchContext, run: number): Promise<R>;
  report(runs: readonly R[]): ScenarioReport;
}>;

/**
 * Builds the harness context from the command line: a private redis-server unless
 * `--redis-url=` names one. `close()` disconnects and stops what it started.
 *
 * @example const ctx = await openContext(); ...; await ctx.close();
 */
export async function openContext(): Promise<BenchContext & { runs: number; close(): Promise<void> }> {
  const env = benchEnv();
  const started = Date.now();
  const log = (msg: string) =>
    process.stderr.write(
      `[${((Date.now() - started) / 1000).toFixed(1)}s load ${loadavg()[0]!.toFixed(2)}] ${msg}\n`,
    );
  const priv = env.redisGiven ? undefined : await startPrivateRedis();
  const redisUrl = priv?.url ?? env.redisUrl;
  if (priv) log(`private redis-server at ${redisUrl}`);
  const redis = new Redis(redisUrl);
  return {
    redisUrl,
    mysqlUrl: env.mysqlUrl,
    redis,
    runs: env.runs,
    ...(env.profile ? { profileDir: new URL('../results/profiles/', import.meta.url).pathname } : {}),
    log,
    async close() {
      redis.disconnect();
      await priv?.stop();
    },
  };
}

/** A run's result with the machine's load average (1 min) before and after it. */
export type Timed<R> = R & { load1: { before: number; after: number } };

/**
 * Runs one measurement and notes the machine's load around it (a busy machine explains spread).
 *
 * @example const r = await timedRun(ctx, ceiling, 0);
 */
export async function timedRun<R>(ctx: BenchContext, s: Scenario<R>, run: number): Promise<Timed<R>> {
  const before = loadavg()[0]!;
  const r = await s.runOnce(ctx, run);
  return { ...r, load1: { before, after: loadavg()[0]! } };
}

/**
 * Writes a scenario's report to `benchmarks/results/<name>.{json,md}` and merges its medians
 * into summary.json.
 *
 * @example await saveReport(ctx, 'ceiling', report);
 */
export async function saveReport(ctx: BenchContext, name: string, report: ScenarioReport): Promise<void> {
  writeResult(name, report.json, report.markdown);
  await updateSummary(ctx.redis, report.summary);
}

/**
 * The body of `npx tsx benchmarks/<scenario>.ts`: `--runs=` runs (default 3), then the report.
 *
 * @example if (isMain(import.meta.url)) await runStandalone(ceiling);
 */
export async function runStandalone<R>(s: Scenario<R>): Promise<void> {
  const ctx = await openContext();
  try {
    const runs: Timed<R>[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`${s.name}: run ${i + 1}/${ctx.runs}`);
      runs.push(await timedRun(ctx, s, i));
    }
    const report = s.report(runs);
    await saveReport(ctx, s.name, report);
    process.stdout.write(`${report.markdown}\n`);
  } finally {
    await ctx.close();
  }
}
