/**
 * What the test kit takes from the environment (this directory is the only place that reads
 * `process.env`): where the real services of the tests answer, and the few variables a child
 * process under test inherits (nothing else leaks into it, so its config is the test's own).
 *
 * @example const { redisUrl } = testEnvironment(); // 'redis://127.0.0.1:6379' unless TEST_REDIS_URL
 */
export function testEnvironment(env: Readonly<Record<string, string | undefined>> = process.env) {
  return Object.freeze({
    redisUrl: env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    mysqlUrl: env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    /** A console build other than pkg/api/console/built/ (deploy/console-build.mjs --out). */
    consoleBuiltDir: env.CONSOLE_BUILT_DIR || undefined,
    /** CONSOLE_SCREENSHOTS=1: browser tests also write the README's pictures. */
    consoleScreenshots: env.CONSOLE_SCREENSHOTS === '1',
    /** The fuzz of every route (services/chaos/fuzz.chaos.ts): cases per route, seed, route filter. */
    fuzz: Object.freeze({
      runs: Number(env.FUZZ_RUNS ?? 20_000),
      httpRuns: Number(env.FUZZ_HTTP_RUNS ?? 200),
      seed: Number(env.FUZZ_SEED ?? 1_616_161),
      routes: env.FUZZ_ROUTES ? new RegExp(env.FUZZ_ROUTES) : undefined,
    }),
    /** PATH and HOME for spawned processes (tsx, redis-server lookups). */
    inherited: Object.freeze({ PATH: env.PATH ?? '', HOME: env.HOME ?? '/tmp' }),
  });
}
