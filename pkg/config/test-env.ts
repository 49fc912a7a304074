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
    /** PATH and HOME for spawned processes (tsx, redis-server lookups). */
    inherited: Object.freeze({ PATH: env.PATH ?? '', HOME: env.HOME ?? '/tmp' }),
  });
}
