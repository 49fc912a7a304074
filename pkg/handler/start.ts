import { type Consumer, ensureGroup, startConsumer, startMover } from '../bus/index.ts';
import type { SenderCache } from '../channels/registry.ts';
import type { Config } from '../config/config.ts';
import { ALL_ROUTES, type Channel, type MessageType, type Route } from '../domain/channels.ts';
import { decodeDelivery } from '../domain/delivery.ts';
import type { Ledger } from '../lifecycle/ledger.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { HandlerMetrics } from '../telemetry/metrics.ts';
import { contextOf, inSpan, SpanKind } from '../telemetry/tracing.ts';
import type { TemplateCache } from '../templates/cache.ts';
import { createDeliver, type DeliverDeps } from './deliver.ts';
import { meteredLedger } from './metrics.ts';

/** Consumer group of the delivery streams (DESIGN.md). */
export const HANDLER_GROUP = 'handlers';

/** Most deliveries in flight per route of a batch channel, whatever concurrency × batch says. */
export const MAX_BATCH_IN_FLIGHT = 20_000;

export type HandlerOptions = Readonly<{
  redis: Redis;
  /** A dedicated connection for XREADGROUP BLOCK. */
  blocking: Redis;
  keys: Keys;
  ledger: Ledger;
  templates: TemplateCache;
  senders: SenderCache;
  /** Consumer name, unique per process. */
  consumer: string;
  /** In-flight cap per route, read continuously (live config). */
  concurrency: (route: Route) => number;
  filter?: DeliverDeps['filter'];
  onRateLimited?: DeliverDeps['onRateLimited'];
  routing?: DeliverDeps['routing'];
  /**
   * Most receivers one provider call of the route's channel carries (default 1). For a batch
   * channel the route's concurrency counts calls, so up to concurrency × batch deliveries are in
   * flight (bounded by {@link MAX_BATCH_IN_FLIGHT}) to fill them.
   */
  batchOf?: (route: Route) => number;
  /** The handler settings of the config (its concurrency is per route, from live config). */
  settings: Omit<Config['handler'], 'concurrency' | 'routes'>;
  routes?: readonly Route[];
  log: Logger;
  metrics?: HandlerMetrics;
  /** Move due delayed deliveries back into their streams from this process (default true). */
  mover?: boolean;
}>;

/**
 * Starts a handler: one consumer-group loop over every delivery stream (concurrency per route,
 * so a slow provider fills only its own slots), the janitor that reclaims deliveries of dead
 * handlers, and the mover that brings due retries and scheduled sends back. `stop()` stops
 * reading, lets in-flight deliveries settle, and leaves the rest pending for other handlers.
 *
 * @example const h = await startHandler(opts); process.on('SIGTERM', () => h.stop());
 */
export async function startHandler(
  opts: HandlerOptions,
): Promise<{ stop(): Promise<void>; consumer: Consumer }> {
  const routes = opts.routes ?? ALL_ROUTES;
  const byStream = new Map<string, Route>(routes.map((r) => [opts.keys.stream(r), r]));
  const streams = [...byStream.keys()];
  await Promise.all(streams.map((s) => ensureGroup(opts.redis, s, HANDLER_GROUP)));
  const delayedKeyOf = (s: string) => opts.keys.delayed(byStream.get(s)!);
  const deadKeyOf = (s: string) => opts.keys.deadLetters(byStream.get(s)!);

  // Every state the handler records is counted (push_deliveries_total).
  const ledger = opts.metrics ? meteredLedger(opts.ledger, opts.metrics) : opts.ledger;
  const deliver = createDeliver({
    ledger,
    routeOf: (s) => byStream.get(s),
    template: (id) => opts.templates.get(id),
    account: async (id) => (await opts.senders.get(id))?.account,
    sender: (account) => opts.senders.forAccount(account),
    ...(opts.filter ? { filter: opts.filter } : {}),
    ...(opts.onRateLimited ? { onRateLimited: opts.onRateLimited } : {}),
    ...(opts.routing ? { routing: opts.routing } : {}),
    onFailover: (from, to, code) => {
      m?.failovers.inc({ from: from.provider, to: to.provider, code });
      opts.log.warn({ from: from.id, to: to.id, code }, 'delivery failed over to the next account');
    },
    retry: {
      maxAttempts: opts.settings.maxAttempts,
      baseMs: opts.settings.retryBaseMs,
      maxMs: opts.settings.retryMaxMs,
    },
    consumer: opts.consumer,
    log: opts.log,
  });
  const m = opts.metrics;

  const consumer = await startConsumer({
    redis: opts.redis,
    blocking: opts.blocking,
    streams,
    group: HANDLER_GROUP,
    consumer: opts.consumer,
    concurrency: (s) => {
      const route = byStream.get(s)!;
      const c = opts.concurrency(route);
      const batch = opts.batchOf?.(route) ?? 1;
      return batch > 1 ? Math.min(MAX_BATCH_IN_FLIGHT, Math.max(c, c * batch)) : c;
    },
    handle: async (entry) => {
      m?.inFlight.inc();
      const started = performance.now();
      try {
        const route = byStream.get(entry.stream) ?? '?';
        const f = entry.fields;
        const s = await inSpan(
          'push.deliver',
          f.tp,
          {
            'push.route': route,
            'push.message_id': f.id ?? '',
            'push.template_id': Number(f.tpl) || 0,
            'push.attempt': Number(f.att) || 1,
          },
          async (span) => {
            const settled = await deliver(entry, contextOf(span));
            if (span.isRecording()) span.setAttribute('push.settlement', settled.kind);
            return settled;
          },
          { kind: SpanKind.CONSUMER },
        );
        if (m) {
          m.handled.inc({ route, outcome: s.kind });
          m.handlerDuration.observe({ route }, (performance.now() - started) / 1000);
          // Delayed with a higher attempt number: a retry (holds and quiet hours keep theirs).
          if (s.kind === 'delay' && Number(s.fields.att) > (Number(f.att) || 1)) m.retries.inc({ route });
        }
        return s;
      } finally {
        m?.inFlight.dec();
      }
    },
    delayedKeyOf,
    deadKeyOf,
    onError: (err, entry) =>
      opts.log.error(
        { err, stream: entry?.stream, entryId: entry?.id },
        'delivery left pending for redelivery',
      ),
    onExhausted: async (entry) => {
      opts.log.warn(
        { stream: entry.stream, entryId: entry.id },
        'delivery dead-lettered after max deliveries',
      );
      const route = byStream.get(entry.stream);
      const [channel, type] = (route ?? '.').split('.') as [Channel, MessageType];
      const d = route ? decodeDelivery(channel, type, entry.fields) : undefined;
      if (d) await ledger.fail(d, 'MAX_DELIVERIES');
    },
    // A batch channel reads a provider call's worth at once, so one read fills whole calls.
    batchSize: (s) => Math.max(opts.settings.batch, opts.batchOf?.(byStream.get(s)!) ?? 1),
    visibilityTimeoutMs: opts.settings.visibilityTimeoutMs,
    maxDeliveries: opts.settings.maxDeliveries,
  });
  const mover =
    opts.mover === false
      ? undefined
      : startMover({
          redis: opts.redis,
          streams,
          delayedKeyOf,
          intervalMs: 100,
          onError: (err, stream) => opts.log.error({ err, stream }, 'delayed mover failed'),
        });
  opts.log.info({ consumer: opts.consumer, routes: routes.length }, 'handler started');
  return {
    consumer,
    async stop() {
      await mover?.stop();
      await consumer.stop();
    },
  };
}
