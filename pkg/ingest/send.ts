import { routeOf } from '../domain/channels.ts';
import { encodeDelivery } from '../domain/delivery.ts';
import { AppError } from '../domain/errors.ts';
import { mayUse } from '../domain/template.ts';
import type { Ledger } from '../lifecycle/ledger.ts';
import { DEFAULT_APP_PARKED_MAX_BYTES, reserveParked } from '../pipeline/app-parked.ts';
import { takeAppTokens } from '../pipeline/app-rate.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import type { TemplateCache } from '../templates/cache.ts';
import type { Backpressure } from './backpressure.ts';
import { fanOut } from './fanout.ts';
import { bodyHash, type Idempotency } from './idempotency.ts';
import { createRecaller, type ProviderRecall } from './recall.ts';
import type { SendBody, SendResponse } from './schemas.ts';
import { assertFanoutSize, DEFAULT_SEND_LIMITS, type SendLimits, sendAtOf } from './send-limits.ts';

/** Deliveries per second of an app with no rate limit of its own, unless configured. */
export const DEFAULT_APP_RATE = 5000;

/** Who is sending (from the auth middleware). */
export type Sender = { appId: number; rateLimit: number | null };

export type SendResult = { status: 202; body: SendResponse; replay: boolean };

/**
 * The send use case: validate against the template, fan out, write every delivery and its
 * `accepted` event to Redis in one pipelined round trip, and answer only after Redis confirmed
 * every write. Idempotency, per-app rate limits and stream backpressure guard the door.
 *
 * @example
 * const svc = createSendService({ redis, keys, ledger, templates, idempotency, backpressure, appRate });
 * const r = await svc.send({ appId: 1, rateLimit: null }, body, { idempotencyKey: 'order-1' });
 */
export function createSendService(opts: {
  redis: Redis;
  keys: Keys;
  ledger: Ledger;
  templates: TemplateCache;
  idempotency: Idempotency;
  backpressure: Backpressure;
  /** Takes `count` tokens of an app's send bucket (default: {@link takeAppTokens} in `redis`). */
  appRate?: (
    appId: number,
    count: number,
    ratePerSec: number,
  ) => Promise<{ ok: boolean; retryAfterMs?: number }>;
  /** Encodes a delayed-set member (the bus's codec). */
  encodeDelayed: (fields: readonly string[]) => string;
  /**
   * Recalls a sent message at the provider of the account that sent it (`accountId` from its
   * record); absent = recall only cancels what is unsent.
   */
  recallAtProvider?: ProviderRecall;
  /** Whether an account's provider recalls whole calls (see pkg/ingest/recall.ts). */
  recallsPerCall?: (accountId: number) => Promise<boolean>;
  /** `sendAt` horizon and fan-out size (default {@link DEFAULT_SEND_LIMITS}). */
  limits?: SendLimits;
  /**
   * Deliveries per second of an app without a rate limit of its own (`APP_DEFAULT_RATE`); 0 =
   * unlimited. Default 5,000: far above normal use, low enough that one runaway app cannot fill Redis.
   */
  defaultAppRate?: number;
  /**
   * Bytes of parked (`sendAt`) deliveries an app may hold in Redis at once (`APP_PARKED_MAX_BYTES`,
   * default 1 GiB); past it 429 `PARKED_QUOTA_EXCEEDED`.
   */
  parkedMaxBytes?: number;
  now?: () => number;
}) {
  const { redis, keys, ledger, templates, idempotency, backpressure } = opts;
  const now = opts.now ?? Date.now;
  const limits = opts.limits ?? DEFAULT_SEND_LIMITS;
  const defaultAppRate = opts.defaultAppRate ?? DEFAULT_APP_RATE;
  const parkedMaxBytes = opts.parkedMaxBytes ?? DEFAULT_APP_PARKED_MAX_BYTES;

  /** Reserves the parked bytes of a `sendAt` request, or throws before anything is written. */
  async function reserve(appId: number, requestId: string, members: readonly string[], dueAt: number) {
    let bytes = 0;
    for (const m of members) bytes += Buffer.byteLength(m, 'utf8');
    if (bytes > parkedMaxBytes)
      throw new AppError(
        'PARKED_QUOTA_EXCEEDED',
        422,
        `this request would park ${bytes} bytes, more than the app's whole quota of ${parkedMaxBytes} (APP_PARKED_MAX_BYTES)`,
        { bytes, max: parkedMaxBytes },
      );
    const r = await reserveParked(redis, keys, {
      appId,
      requestId,
      bytes,
      dueAt,
      now: now(),
      maxBytes: parkedMaxBytes,
    });
    if (r.ok) return;
    throw new AppError(
      'PARKED_QUOTA_EXCEEDED',
      429,
      `the app's scheduled sends hold ${r.parkedBytes} bytes; ${bytes} more would pass its quota of ${parkedMaxBytes} (APP_PARKED_MAX_BYTES)`,
      { parkedBytes: r.parkedBytes, bytes, max: parkedMaxBytes },
      r.retryAfterMs === undefined ? undefined : Math.ceil(r.retryAfterMs / 1000),
    );
  }
  const appRate =
    opts.appRate ??
    ((appId: number, count: number, rate: number) => takeAppTokens(redis, keys, appId, count, rate));
  const recall = createRecaller({
    redis,
    keys,
    ledger,
    ...(opts.recallAtProvider ? { atProvider: opts.recallAtProvider } : {}),
    ...(opts.recallsPerCall ? { perCall: opts.recallsPerCall } : {}),
    now,
  });

  async function enqueue(
    appId: number,
    body: SendBody,
    traceparent: string,
    seed?: string,
    firstAt?: number,
    allowPaused = false,
  ): Promise<SendResponse> {
    const template = await templates.get(body.templateId);
    // A template the app may not use answers exactly like a missing one: no existence leak.
    if (!template || !mayUse(template, appId))
      throw new AppError('TEMPLATE_NOT_FOUND', 404, `template ${body.templateId} does not exist`);
    if (template.status === 'paused' && !allowPaused)
      throw new AppError(
        'TEMPLATE_PAUSED',
        409,
        `template ${body.templateId} is paused; start it (POST /v1/admin/templates/${body.templateId}/start) to send`,
      );
    const t = now();
    const sendAt = sendAtOf(body.sendAt, t, limits);
    assertFanoutSize(body.messages, limits);
    const { requestId, deliveries } = fanOut(template, body, {
      now: t,
      traceparent,
      appId,
      ...(seed === undefined ? {} : { seed }),
      ...(firstAt === undefined ? {} : { firstAt }),
    });
    const route = routeOf(template.channel, template.messageType);
    const delayed = sendAt !== undefined && sendAt > t + 1000;
    if (!delayed) await backpressure.check(route);

    // One round trip: ioredis auto-pipelining sends these together; Promise.all rejects if any
    // write failed, and then nothing is acknowledged to the caller.
    const stream = keys.stream(route);
    const fieldsOf = deliveries.map((d) => encodeDelivery(d));
    const members = delayed ? fieldsOf.map((f) => opts.encodeDelayed(f)) : [];
    if (delayed) await reserve(appId, requestId, members, sendAt!);
    const writes: Promise<unknown>[] = [];
    for (const [i, d] of deliveries.entries()) {
      const fields = fieldsOf[i]!;
      writes.push(
        delayed
          ? ledger.accept(d, t, `sendAt ${body.sendAt}`, template.version, sendAt)
          : ledger.accept(d, t, undefined, template.version),
      );
      writes.push(
        delayed ? redis.zadd(keys.delayed(route), sendAt!, members[i]!) : redis.xadd(stream, '*', ...fields),
      );
    }
    const reqKey = keys.request(requestId);
    writes.push(redis.rpush(reqKey, ...deliveries.map((d) => d.id)));
    // The request's ids (recall and lookups by requestId) and, per business id used, its ids
    // (lookups by bizId) live as long as the messages' traces: from their due time on.
    const keepMs = ledger.ttlMs + (delayed ? sendAt! - t : 0);
    writes.push(redis.pexpire(reqKey, keepMs));
    const byBiz = new Map<string, string[]>();
    for (const d of deliveries) {
      if (!d.bizId) continue;
      const ids = byBiz.get(d.bizId);
      if (ids) ids.push(d.id);
      else byBiz.set(d.bizId, [d.id]);
    }
    for (const [biz, ids] of byBiz) {
      writes.push(redis.rpush(keys.bizIndex(biz), ...ids));
      // NX then GT: a new index gets its TTL, and an immediate send never shortens the life a
      // far-future message of the same business id gave it.
      writes.push(redis.pexpire(keys.bizIndex(biz), keepMs, 'NX'));
      writes.push(redis.pexpire(keys.bizIndex(biz), keepMs, 'GT'));
    }
    await Promise.all(writes);
    return { requestId, accepted: deliveries.length, messageIds: deliveries.map((d) => d.id) };
  }

  return Object.freeze({
    /**
     * One message of a template to one receiver, sent as the template's owning app with the
     * business id `test-send`; a paused template may be tried before it starts.
     */
    async testSend(
      templateId: number,
      receiver: string,
      variables: Record<string, unknown>,
    ): Promise<SendResponse> {
      const template = await templates.get(templateId);
      if (!template) throw new AppError('TEMPLATE_NOT_FOUND', 404, `template ${templateId} does not exist`);
      if (template.appId === null)
        throw new AppError(
          'TEMPLATE_HAS_NO_APP',
          409,
          `template ${templateId} has no owning app; set its appId`,
        );
      const body: SendBody = {
        templateId,
        messages: [{ receivers: [receiver], variables, bizId: 'test-send' }],
      };
      return enqueue(template.appId, body, '', undefined, undefined, true);
    },

    async send(
      sender: Sender,
      body: SendBody,
      o: { idempotencyKey?: string; traceparent?: string } = {},
    ): Promise<SendResult> {
      const deliveries = body.messages.reduce((n, m) => n + m.receivers.length, 0);
      const rate = sender.rateLimit ?? defaultAppRate;
      if (rate > 0) {
        const r = await appRate(sender.appId, deliveries, rate);
        if (!r.ok) {
          throw new AppError(
            'RATE_LIMITED',
            429,
            `app send rate of ${rate}/s exceeded`,
            undefined,
            Math.ceil((r.retryAfterMs ?? 1000) / 1000),
          );
        }
      }
      const key = o.idempotencyKey;
      if (!key)
        return { status: 202, body: await enqueue(sender.appId, body, o.traceparent ?? ''), replay: false };

      const hash = bodyHash(body);
      const begin = await idempotency.begin(sender.appId, key, hash, now());
      if (begin.kind === 'mismatch') {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          422,
          'this Idempotency-Key was used with a different body',
        );
      }
      if (begin.kind === 'running') {
        throw new AppError(
          'REQUEST_IN_PROGRESS',
          409,
          'a request with this Idempotency-Key is still running',
          undefined,
          1,
        );
      }
      if (begin.kind === 'replay') return { status: 202, body: begin.body as SendResponse, replay: true };
      try {
        const res = await enqueue(
          sender.appId,
          body,
          o.traceparent ?? '',
          `${sender.appId}:${key}`,
          begin.firstAt,
        );
        await idempotency.complete(sender.appId, key, hash, begin.firstAt, 202, res);
        return { status: 202, body: res, replay: false };
      } catch (err) {
        // An AppError is thrown before the first write (template, validation, backpressure):
        // nothing was enqueued, so the key is released like a request that never ran. Any other
        // failure may have written part of the deliveries: the key stays bound to this body and
        // a retry regenerates the same message ids, so nothing is enqueued twice.
        const settle =
          err instanceof AppError
            ? idempotency.release(sender.appId, key, hash)
            : idempotency.fail(sender.appId, key, hash, begin.firstAt);
        await settle.catch(() => undefined);
        throw err;
      }
    },

    /**
     * Cancels not-yet-sent deliveries and recalls sent ones at their provider where it can, by
     * message ids or by request id. An app (`appId`) reaches only its own messages; the admin (no
     * `appId`) any. A provider's refusal comes back as `recall_refused` with its code as reason.
     */
    recall,
  });
}

export type { RecallResult } from './recall.ts';

export type SendService = ReturnType<typeof createSendService>;
