import type { Registry } from 'prom-client';
import { consoleRoutes } from '../../pkg/api/console/routes.ts';
import type { Core } from '../../pkg/process/core.ts';
import type { Closer } from '../../pkg/process/shutdown.ts';
import {
  createMetrics,
  type Exposition,
  mergeMetrics,
  type ProcessKind,
} from '../../pkg/telemetry/metrics.ts';
import { startAggregatorProcess } from '../aggregator/wire.ts';
import { startHandlerProcess } from '../handler/wire.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';
import { smsReceiptsPull, smsRecordsWriter, startMeteredScheduler } from '../scheduler/wire.ts';

/**
 * Every process's part in one Node process (the quickstart), each built by the part its own
 * process uses, each with its own metrics registry (`process="ingest"`, `"handler"`,
 * `"aggregator"`, `"scheduler"`; the Node process metrics once, on ingest's), served together
 * at ingest's `/metrics`. Closers are in registration order (close in reverse).
 *
 * @example const all = await startAll(core); console.log(all.port); // on shutdown: close all.closers in reverse
 */
export async function startAll(core: Core): Promise<{
  port: number;
  exposition: Exposition;
  /** Each part's own metrics (tests read what each declares). */
  metrics: Readonly<Record<ProcessKind, { registry: Registry }>>;
  closers: Closer[];
}> {
  const parts: { registry: Registry }[] = [];
  const exposition = mergeMetrics(() => parts);
  const { routers, closers } = standardRouters(core);
  const ingest = await startIngest(core, { ...routers, pages: consoleRoutes(), exposition });
  const handler = await startHandlerProcess(core, {
    metrics: createMetrics({ process: 'handler', defaults: false }),
  });
  const aggregatorMetrics = createMetrics({ process: 'aggregator', defaults: false });
  const aggregator = await startAggregatorProcess({
    config: core.config,
    redis: core.redis,
    keys: core.keys,
    log: core.log,
    registry: aggregatorMetrics.registry,
  });
  // The handler already moves due delayed entries; the scheduler's own mover would only repeat it.
  const receipts = smsReceiptsPull(core);
  const records = await smsRecordsWriter(core);
  const { scheduler, metrics: schedulerMetrics } = startMeteredScheduler(
    core,
    { mover: false, smsReceipts: receipts.pull, receiptsEveryMs: core.config.receiptsPullMs },
    { defaults: false },
  );
  parts.push(ingest.metrics, handler.metrics, aggregatorMetrics, schedulerMetrics);
  return {
    port: ingest.port,
    exposition,
    metrics: {
      ingest: ingest.metrics,
      handler: handler.metrics,
      aggregator: aggregatorMetrics,
      scheduler: schedulerMetrics,
    },
    // Closed in reverse: stop serving first, then handling, folding, scheduling.
    closers: [
      ...records.closers,
      ...receipts.closers,
      ...scheduler.closers,
      ...closers,
      ...aggregator.closers,
      ...handler.closers,
      ...ingest.closers,
    ],
  };
}
