import type { Redis } from 'ioredis';
import type { Delivery } from '../domain/delivery.ts';
import { encodeEvent, type LifecycleEvent, partitionOf } from '../domain/events.ts';
import { FINAL_STATES, type State } from '../domain/states.ts';
import type { Keys } from '../keys/keys.ts';
import { loadScripts } from '../runtime/lua.ts';

/** What `begin` found: go ahead with the provider call, or the message is already done. */
export type BeginResult =
  | { kind: 'go'; attempt: number; previous: string }
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'cancelled' }
  | { kind: 'busy' }
  | { kind: 'final'; state: string };

export type CancelResult = 'cancelled' | 'already_cancelled' | 'sending' | 'sent' | 'final' | 'unknown';

/**
 * The message ledger: each message's attempt record (`push:att:{pN}:<id>`) and its lifecycle
 * events (`push:ev:{pN}`). Record and event share the partition's hash tag, so every state change
 * is written together with its event in one script: a redelivered entry never sends twice and
 * never emits twice.
 *
 * @example
 * const ledger = createLedger({ redis, keys, partitions: 8, ttlMs: 7 * 86_400_000 });
 * const r = await ledger.begin(delivery, 'handler-1', Date.now());
 * if (r.kind === 'go') { ...send...; await ledger.finish(delivery, 'sent', { providerMessageId }); }
 */
export function createLedger(opts: { redis: Redis; keys: Keys; partitions: number; ttlMs: number }) {
  const { redis, keys, partitions, ttlMs } = opts;
  const run = loadScripts(redis, new URL('./scripts/', import.meta.url), {
    accept: 2,
    attemptBegin: 2,
    attemptFinish: 2,
    cancel: 2,
  });
  const keysOf = (messageId: string): [string, string] => {
    const p = partitionOf(messageId, partitions);
    return [keys.attempt(p, messageId), keys.events(p)];
  };
  const eventOf = (d: Delivery, state: State, at: number, reason: string): LifecycleEvent => ({
    messageId: d.id,
    templateId: d.templateId,
    receiver: d.receiver,
    channel: d.channel,
    messageType: d.messageType,
    state,
    at,
    reason,
  });

  return Object.freeze({
    partitions,
    /**
     * Creates the record and emits `accepted` (+ `scheduled` when `scheduledReason` is given).
     * `appId` is the sending app, the only one (besides the admin) allowed to recall it.
     */
    accept(d: Delivery, now: number, scheduledReason?: string, appId?: number): Promise<unknown> {
      return run.accept(keysOf(d.id), [
        d.id,
        d.templateId,
        d.receiver,
        d.channel,
        d.messageType,
        now,
        ttlMs,
        scheduledReason === undefined ? '0' : '1',
        scheduledReason ?? '',
        appId === undefined ? '' : String(appId),
      ]);
    },

    /** Records a provider attempt (`sending`) unless the message was already sent or cancelled. */
    async begin(d: Delivery, consumer: string, now: number, reclaimed = false): Promise<BeginResult> {
      const fields = encodeEvent(eventOf(d, 'sending', now, d.attempt > 1 ? `attempt ${d.attempt}` : ''));
      const r = (await run.attemptBegin(keysOf(d.id), [
        consumer,
        now,
        ttlMs,
        reclaimed ? '1' : '0',
        ...fields,
      ])) as (string | number)[];
      if (r[0] === 'sent') return { kind: 'sent', providerMessageId: String(r[1] ?? '') };
      if (r[0] === 'cancelled') return { kind: 'cancelled' };
      if (r[0] === 'busy') return { kind: 'busy' };
      if (r[0] === 'final') return { kind: 'final', state: String(r[1] ?? '') };
      return { kind: 'go', attempt: Number(r[1]), previous: String(r[2] ?? '') };
    },

    /**
     * Records a new state with its event. Returns false when the message had already reached a
     * final state (nothing emitted).
     */
    async finish(
      d: Delivery,
      state: State,
      extra: { reason?: string; providerMessageId?: string; at?: number } = {},
    ): Promise<boolean> {
      const at = extra.at ?? Date.now();
      const final = state === 'sent' || FINAL_STATES.has(state);
      const fields = encodeEvent(eventOf(d, state, at, extra.reason ?? ''));
      const r = await run.attemptFinish(keysOf(d.id), [
        state,
        at,
        ttlMs,
        extra.providerMessageId ?? '',
        final ? '1' : '0',
        ...fields,
      ]);
      return Number(r) === 1;
    },

    /** Emits events that carry no record change (e.g. `dead_lettered` after `failed`). */
    async emit(events: readonly LifecycleEvent[]): Promise<void> {
      await Promise.all(events.map((e) => redis.xadd(keysOf(e.messageId)[1], '*', ...encodeEvent(e))));
    },

    /**
     * Cancels a message that has not been sent yet. With `appId`, only a message that app sent
     * (another's answers `unknown`); without, any message (the admin).
     */
    async cancel(messageId: string, reason: string, now = Date.now(), appId?: number): Promise<CancelResult> {
      return (await run.cancel(keysOf(messageId), [
        messageId,
        now,
        ttlMs,
        reason,
        appId === undefined ? '' : String(appId),
      ])) as CancelResult;
    },

    /**
     * The state of a message that needs no more work (`sent`, `cancelled`, or any state recorded
     * as final), or undefined while it may still be sent (or has no record).
     */
    async ended(messageId: string): Promise<string | undefined> {
      const [st, fin] = await redis.hmget(keysOf(messageId)[0], 'st', 'fin');
      return st && (st === 'sent' || st === 'cancelled' || fin === '1') ? st : undefined;
    },

    /** The raw record of a message (state, attempts `n`, provider id `pm`, meta), or undefined. */
    async record(messageId: string): Promise<Record<string, string> | undefined> {
      const h = await redis.hgetall(keysOf(messageId)[0]);
      return Object.keys(h).length ? h : undefined;
    },
  });
}

export type Ledger = ReturnType<typeof createLedger>;
