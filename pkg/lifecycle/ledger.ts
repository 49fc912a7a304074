import type { Delivery } from '../domain/delivery.ts';
import { encodeEvent, eventOf, type LifecycleEvent, partitionOf } from '../domain/events.ts';
import { FINAL_STATES, type State } from '../domain/states.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { type LuaScript, loadLuaFile, loadScripts } from '../redis/lua.ts';
import { tickBatcher } from '../redis/tick-batch.ts';

/** What `begin` found: go ahead with the provider call, or the message is already done. */
export type BeginResult =
  | { kind: 'go'; attempt: number; previous: string }
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'cancelled' }
  | { kind: 'busy' }
  | { kind: 'final'; state: string };

export type CancelResult = 'cancelled' | 'already_cancelled' | 'sending' | 'sent' | 'final' | 'unknown';
export type RecalledResult = 'recalled' | 'already_recalled' | 'not_sent' | 'unknown';
/** What `replay` did: reopened it, found this dead letter reopened already, or found it ended. */
export type ReplayResult = 'replayed' | 'again' | 'ended';

/** The account a state change happened through (events carry it: per-provider stats, metrics). */
export type AccountTag = Readonly<{ id: number; provider: string }>;

/**
 * Whether a message record needs no more work: the JS twin of `scripts/ended.lua` (sent,
 * cancelled, recalled, or recorded final). Returns the state when ended.
 *
 * @example endedState({ st: 'sent' }) // 'sent'
 * @example endedState({ st: 'retrying' }) // undefined
 */
export function endedState(r: Readonly<Record<string, string | null | undefined>>): string | undefined {
  const st = r.st;
  return st && (st === 'sent' || st === 'cancelled' || st === 'recalled' || r.fin === '1') ? st : undefined;
}

const flat = (events: readonly LifecycleEvent[]): string[] => events.flatMap(encodeEvent);

/**
 * The message ledger: each message's attempt record (`push:att:{pN}:<id>`) and its lifecycle
 * events (`push:ev:{pN}`). Record and event share the partition's hash tag, so every state change
 * is written together with its events in one script: a redelivered entry never sends twice and
 * never emits twice, and a failure's `failed` + `dead_lettered` cannot be split by a crash.
 *
 * @example
 * const ledger = createLedger({ redis, keys, partitions: 8, ttlMs: 7 * 86_400_000 });
 * const r = await ledger.begin(delivery, 'handler-1', Date.now(), false, { id: 1, provider: 'smtp' });
 * if (r.kind === 'go') { ...send...; await ledger.finish(delivery, 'sent', { providerMessageId }); }
 */
export function createLedger(opts: { redis: Redis; keys: Keys; partitions: number; ttlMs: number }) {
  const { redis, keys, partitions, ttlMs } = opts;
  const run = loadScripts(redis, new URL('./scripts/', import.meta.url), {
    cancel: 2,
    recalled: 2,
    receipt: 2,
  });
  // Many messages of one partition per call (KEYS: the partition's events, then the records).
  const many = {
    accept: loadLuaFile(new URL('./scripts/accept.lua', import.meta.url)),
    attemptBegin: loadLuaFile(new URL('./scripts/attempt-begin.lua', import.meta.url)),
    attemptFinish: loadLuaFile(new URL('./scripts/attempt-finish.lua', import.meta.url)),
    replayed: loadLuaFile(new URL('./scripts/replayed.lua', import.meta.url)),
  };
  /** One script call per partition per turn of the event loop for `script`'s messages. */
  const batched = <R>(script: LuaScript) =>
    tickBatcher<{ messageId: string; args: readonly (string | number)[] }, R>({
      groupOf: (m) => partitionOf(m.messageId, partitions),
      run: async (p, items) =>
        (await script(
          redis,
          [keys.events(Number(p)), ...items.map((m) => keys.attempt(Number(p), m.messageId))],
          [items.length, ...items.flatMap((m) => m.args)],
        )) as R[],
    });
  const acceptOne = batched<number>(many.accept);
  const beginOne = batched<(string | number)[]>(many.attemptBegin);
  const finishOne = batched<number>(many.attemptFinish);
  const replayOne = batched<ReplayResult>(many.replayed);
  const keysOf = (messageId: string): [string, string] => {
    const p = partitionOf(messageId, partitions);
    return [keys.attempt(p, messageId), keys.events(p)];
  };
  /** The delivery-like identity of a message from its record (its fields never change). */
  const identity = (messageId: string, r: Record<string, string>) => ({
    id: messageId,
    templateId: Number(r.tpl) || 0,
    receiver: r.rcv ?? '',
    channel: (r.ch ?? 'sandbox') as Delivery['channel'],
    messageType: (r.mt ?? 'notice') as Delivery['messageType'],
    ...(r.app ? { appId: Number(r.app) } : {}),
  });
  const recordOf = async (messageId: string): Promise<Record<string, string> | undefined> => {
    const h = await redis.hgetall(keysOf(messageId)[0]);
    return Object.keys(h).length ? h : undefined;
  };
  const accountOf = (r: Record<string, string>): AccountTag | undefined =>
    r.ac ? { id: Number(r.ac), provider: r.pv ?? '' } : undefined;

  return Object.freeze({
    partitions,
    /** How long a message's record (and so its trace) is kept. */
    ttlMs,
    /**
     * Creates the record and emits `accepted` (+ `scheduled` when `scheduledReason` is given);
     * `templateVersion` is kept for the trace.
     * The delivery's `appId` (the sending app) is the only one, besides the admin, allowed to recall it.
     * `dueAt` (a `sendAt`) keeps the record `ttlMs` past it: a message parked beyond the TTL must
     * still be recallable and traced when it is sent.
     */
    accept(
      d: Delivery,
      now: number,
      scheduledReason?: string,
      templateVersion?: number,
      dueAt?: number,
    ): Promise<unknown> {
      const events = [eventOf(d, 'accepted', now)];
      if (scheduledReason !== undefined) events.push(eventOf(d, 'scheduled', now, scheduledReason));
      return acceptOne({
        messageId: d.id,
        args: [
          scheduledReason === undefined ? 'accepted' : 'scheduled',
          ttlMs + Math.max(0, (dueAt ?? now) - now),
          d.appId === undefined ? '' : String(d.appId),
          d.templateId,
          d.receiver,
          d.channel,
          d.messageType,
          now,
          d.bizId,
          d.requestId,
          templateVersion === undefined ? '' : String(templateVersion),
          events.length,
          ...flat(events),
        ],
      });
    },

    /** Records a provider attempt (`sending`) unless the message was already sent or cancelled. */
    async begin(
      d: Delivery,
      consumer: string,
      now: number,
      reclaimed = false,
      account?: AccountTag,
    ): Promise<BeginResult> {
      // Emitted only for an in-doubt resend (see attempt-begin.lua).
      const event = eventOf(d, 'sending', now, `in-doubt resend (attempt ${d.attempt})`, account);
      const r = await beginOne({
        messageId: d.id,
        args: [
          consumer,
          now,
          ttlMs,
          reclaimed ? '1' : '0',
          account?.id ?? 0,
          account?.provider ?? '',
          ...encodeEvent(event),
        ],
      });
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
      extra: {
        reason?: string;
        providerMessageId?: string;
        segments?: number;
        at?: number;
        account?: AccountTag;
      } = {},
    ): Promise<boolean> {
      const at = extra.at ?? Date.now();
      return write(d, state, at, extra.providerMessageId ?? '', [
        eventOf(d, state, at, extra.reason ?? '', extra.account, extra),
      ]);
    },

    /**
     * Gives up on a delivery: `failed` and `dead_lettered` with the reason, in one write. Returns
     * false when the message had already ended.
     */
    fail(d: Delivery, reason: string, extra: { at?: number; account?: AccountTag } = {}): Promise<boolean> {
      const at = extra.at ?? Date.now();
      return write(d, 'failed', at, '', [
        eventOf(d, 'failed', at, reason, extra.account),
        eventOf(d, 'dead_lettered', at, reason, extra.account),
      ]);
    },

    /**
     * Records a provider receipt after `sent` (`delivered`, `read`, a late `failed`): its event and
     * timeline entry. The record's identity fields fill the event. Idempotent: a receipt repeated
     * (providers re-post and pulls overlap callbacks) or arriving after the message's fate is
     * known answers `duplicate` and emits nothing; an unknown message answers `unknown`.
     */
    async receipt(
      messageId: string,
      state: State,
      at: number,
      reason = '',
    ): Promise<'recorded' | 'duplicate' | 'unknown'> {
      const r = await recordOf(messageId);
      if (!r) return 'unknown';
      const e = eventOf(identity(messageId, r), state, at, reason, accountOf(r));
      const got = Number(await run.receipt(keysOf(messageId), [state, ...encodeEvent(e)]));
      return got === 1 ? 'recorded' : got === 2 ? 'duplicate' : 'unknown';
    },

    /**
     * Cancels a message that has not been sent yet. With `appId`, only a message that app sent
     * (another's answers `unknown`); without, any message (the admin).
     */
    async cancel(messageId: string, reason: string, now = Date.now(), appId?: number): Promise<CancelResult> {
      const r = await recordOf(messageId);
      if (!r) return 'unknown';
      const e = eventOf(identity(messageId, r), 'cancelled', now, reason);
      return (await run.cancel(keysOf(messageId), [
        now,
        ttlMs,
        appId === undefined ? '' : String(appId),
        ...encodeEvent(e),
      ])) as CancelResult;
    },

    /** Records that a sent message was recalled at its provider (the app check as in `cancel`). */
    async recalled(
      messageId: string,
      reason: string,
      now = Date.now(),
      appId?: number,
    ): Promise<RecalledResult> {
      const r = await recordOf(messageId);
      if (!r) return 'unknown';
      const e = eventOf(identity(messageId, r), 'recalled', now, reason, accountOf(r));
      return (await run.recalled(keysOf(messageId), [
        now,
        ttlMs,
        appId === undefined ? '' : String(appId),
        ...encodeEvent(e),
      ])) as RecalledResult;
    },

    /**
     * Reopens a dead-lettered message for a replay of dead letter `ref` (`<route>:<entry id>`):
     * records `replayed` with its event and lets the record take attempts again (a record that
     * expired is re-created from the delivery). Call it before moving the dead letter back to its
     * stream; `again` (reopened before, nothing emitted) still moves it, `ended` (sent,
     * cancelled, recalled, filtered) must not be sent again. Calls of one turn of the event loop
     * share one script call per partition.
     */
    replay(d: Delivery, ref: string, reason = '', now = Date.now()): Promise<ReplayResult> {
      return replayOne({
        messageId: d.id,
        args: [
          ref,
          now,
          ttlMs,
          d.templateId,
          d.receiver,
          d.channel,
          d.messageType,
          d.appId === undefined ? '' : String(d.appId),
          d.bizId,
          d.requestId,
          ...encodeEvent(eventOf(d, 'replayed', now, reason)),
        ],
      });
    },

    /**
     * The state of a message that needs no more work (`sent`, `cancelled`, `recalled`, or any
     * state recorded as final), or undefined while it may still be sent (or has no record).
     */
    async ended(messageId: string): Promise<string | undefined> {
      const [st, fin] = await redis.hmget(keysOf(messageId)[0], 'st', 'fin');
      return endedState({ st, fin });
    },

    /**
     * The raw record of a message (state, attempts `n`, provider id `pm`, account `ac`/`pv`, app,
     * send request `rq`).
     */
    record: recordOf,
  });

  async function write(
    d: Delivery,
    state: State,
    at: number,
    providerMessageId: string,
    events: readonly LifecycleEvent[],
  ): Promise<boolean> {
    const final = state === 'sent' || FINAL_STATES.has(state);
    const r = await finishOne({
      messageId: d.id,
      args: [state, at, ttlMs, providerMessageId, final ? '1' : '0', events.length, ...flat(events)],
    });
    return Number(r) === 1;
  }
}

export type Ledger = ReturnType<typeof createLedger>;
