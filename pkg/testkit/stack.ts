import type { Hono } from 'hono';
import { startHandlerProcess } from '../../services/handler/wire.ts';
import { standardRouters } from '../../services/ingest/routers.ts';
import { startIngest } from '../../services/ingest/wire.ts';
import type { Core } from '../process/core.ts';
import type { Closer } from '../process/shutdown.ts';
import { connectRedis } from '../redis/client.ts';
import { startAggregator } from '../stats/index.ts';

/**
 * The platform in the test's own process on `core`: ingest with the standard routers (plus
 * `pages`), and unless turned off a handler and an aggregator (200 ms blocking reads). `closers`
 * close everything, the core's clients last: close them in reverse order.
 *
 * @example
 * const stack = await startStack(core);
 * await fetch(`${stack.base}/healthz`);
 * for (const c of [...stack.closers].reverse()) await c.close();
 */
export async function startStack(
  core: Core,
  opts: { handler?: boolean; aggregator?: boolean; pages?: Hono } = {},
): Promise<{ base: string; port: number; closers: Closer[] }> {
  const closers: Closer[] = [...core.closers];
  const { routers, closers: routerClosers } = standardRouters(core);
  const ingest = await startIngest(core, { ...routers, ...(opts.pages ? { pages: opts.pages } : {}) });
  closers.push(...routerClosers, ...ingest.closers);
  if (opts.handler !== false) closers.push(...(await startHandlerProcess(core)).closers);
  if (opts.aggregator !== false) {
    const blocking = connectRedis(core.config, 'blocking');
    const aggregator = await startAggregator({
      redis: core.redis,
      blocking,
      keys: core.keys,
      partitions: core.config.eventPartitions,
      timezone: core.config.timezone,
      traceTtlDays: 1,
      counterTtlDays: 1,
      log: core.log,
      blockMs: 200,
    });
    closers.push(
      { name: 'blocking', close: async () => blocking.disconnect() },
      { name: 'aggregator', close: () => aggregator.close() },
    );
  }
  return { base: `http://127.0.0.1:${ingest.port}`, port: ingest.port, closers };
}
