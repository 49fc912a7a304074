import type { Route } from '../domain/channels.ts';

/**
 * Every Redis key of the platform, built from one injected prefix (default `push:`), so tests
 * and tenants can share a server. Braces are Redis Cluster hash tags: keys that one Lua script
 * touches together share a tag (a route's stream, delayed set and dead letters; a partition's
 * events and counters).
 *
 * @example
 * const k = createKeys('push:');
 * k.stream('email.notice') // 'push:d:{email.notice}'
 * k.events(3)              // 'push:ev:{p3}'
 */
export function createKeys(prefix: string) {
  const p = prefix;
  const part = (n: number) => `{p${n}}`;
  return Object.freeze({
    prefix: p,
    // --- delivery routes (tag: the route) ---
    /** Delivery stream of a route; consumer group `handlers`. */
    stream: (route: Route) => `${p}d:{${route}}`,
    /** Dead letters of a route. */
    deadLetters: (route: Route) => `${p}dlq:{${route}}`,
    /** Delayed deliveries of a route (sorted set scored by due ms). */
    delayed: (route: Route) => `${p}dl:{${route}}`,
    // --- lifecycle events and their folds (tag: the partition) ---
    /** Lifecycle event stream of a partition; consumer group `aggregator`. */
    events: (partition: number) => `${p}ev:${part(partition)}`,
    /** String: last applied stream id of a partition (exactly-once counters). */
    statsApplied: (partition: number) => `${p}st:${part(partition)}:applied`,
    /** Hash state→count for one template and one day (`YYYY-MM-DD`) or hour (`YYYY-MM-DDTHH`). */
    statsTemplate: (partition: number, templateId: number, bucket: string) =>
      `${p}st:${part(partition)}:t:${templateId}:${bucket}`,
    /** Sorted set of message ids accepted for a receiver on a day, scored by acceptance ms. */
    statsReceiver: (partition: number, receiver: string, day: string) =>
      `${p}st:${part(partition)}:r:${receiver}:${day}`,
    /** Hash messageId→"at|state|templateId|channel|reason" of a receiver's day (current state). */
    statsReceiverState: (partition: number, receiver: string, day: string) =>
      `${p}st:${part(partition)}:rs:${receiver}:${day}`,
    /** Pub/sub channel where folded events are announced for live tails. */
    eventsLive: () => `${p}ev:live`,
    // --- status callbacks to apps (tag: {callbacks}; the outbox is one stream for all apps) ---
    /** Outbox of callback posts; consumer group `callbacks`. */
    callbacks: () => `${p}cb:{callbacks}`,
    /** Callback posts waiting for their retry (sorted set scored by due ms). */
    callbacksDelayed: () => `${p}cbdl:{callbacks}`,
    /** Callback posts given up on (receiver gone, 4xx, attempts exhausted). */
    callbacksDead: () => `${p}cbdlq:{callbacks}`,
    /** Lifecycle events the `callbacks` group could not route after max deliveries (partition tag). */
    callbacksEventsDead: (partition: number) => `${p}cbdlq:${part(partition)}`,
    /** SMS-record writes the `sms-records` group could not apply after max deliveries (partition tag). */
    smsRecordsEventsDead: (partition: number) => `${p}smsdlq:${part(partition)}`,
    // --- provider receipts (tag: {receipts}; one inbox for callbacks and pulls) ---
    /** Inbox of provider receipts waiting to be matched to their message; group `receipts`. */
    receipts: () => `${p}rcpt:{receipts}`,
    /** Receipts waiting for their record to appear (sorted set scored by due ms). */
    receiptsDelayed: () => `${p}rcptdl:{receipts}`,
    /** Receipts that never matched a message. */
    receiptsDead: () => `${p}rcptdlq:{receipts}`,
    // --- per message ---
    /**
     * Hash: attempt record of a message (state, attempts, consumer, provider id). Tagged with the
     * message's event partition so recording a state and emitting its event is one script.
     */
    attempt: (partition: number, messageId: string) => `${p}att:${part(partition)}:${messageId}`,
    /** List: message ids of a request (recall by request id). */
    request: (requestId: string) => `${p}rq:${requestId}`,
    /** List: message ids sent with a caller's business id (lookup by `bizId`). */
    bizIndex: (bizId: string) => `${p}biz:${bizId}`,
    // --- ingest ---
    /** Hash: idempotency record of an app's key. */
    idempotency: (appId: number, key: string) => `${p}idem:${appId}:${key}`,
    /**
     * Failed authentications from one source address in the current window (string counter with
     * the window's TTL; tag: the address, shared with {@link authBlock} by the one script).
     */
    authFailures: (address: string) => `${p}af:{af:${address}}`,
    /** Marker: the address is refused with 429 until it expires (value: the failure count). */
    authBlock: (address: string) => `${p}af:{af:${address}}:block`,
    /** Per-app send rate bucket at ingest. */
    appRate: (appId: number) => `${p}rl:{app${appId}}`,
    /** Sorted set of an app's parked sends (`<request id>:<bytes>` scored by due ms): its quota. */
    appParked: (appId: number) => `${p}pk:{app${appId}}`,
    /** String: bytes of the app's parked sends not yet due (the sum over {@link appParked}). */
    appParkedBytes: (appId: number) => `${p}pk:{app${appId}}:bytes`,
    // --- pipeline ---
    /** Token bucket of a channel account (shared by all handlers). */
    accountRate: (accountId: number) => `${p}rl:{acct${accountId}}`,
    /** Bookings of a channel account's bucket (sorted set of message ids by booked time). */
    accountBookings: (accountId: number) => `${p}rl:{acct${accountId}}:book`,
    /** Cool-down marker after a provider answered "rate limited". */
    accountCooldown: (accountId: number) => `${p}rl:{acct${accountId}}:cool`,
    /** Content dedup marker (hash of rendered content + receiver). */
    dedupContent: (digest: string) => `${p}dd:c:${digest}`,
    /** Frequency counter per receiver, channel and window. */
    dedupFrequency: (channel: string, receiver: string, window: string) =>
      `${p}dd:f:${channel}:${receiver}:${window}`,
    // --- provider access tokens (tag: the account, so a token and its lock share one slot) ---
    /** Hash of an account's provider token `name`: `v` token, `exp` expiry ms, `fresh` refresh-after ms. */
    token: (accountId: number, name: string) => `${p}tok:{tok${accountId}}:${name}`,
    /** Refresh lock of {@link token} (SET NX PX; value: the holder's random nonce). */
    tokenLock: (accountId: number, name: string) => `${p}tok:{tok${accountId}}:${name}:lock`,
    // --- config and caches ---
    /** Pub/sub channel: live config changed. */
    configChanged: () => `${p}cfg:changed`,
    /** Pub/sub channel: a template changed (message: its id). */
    templateChanged: () => `${p}tpl:changed`,
    /** Pub/sub channel: an app changed (key rotated, revoked, limits; message: its id). */
    appChanged: () => `${p}app:changed`,
    // --- leases ---
    lease: (name: string) => `${p}lease:${name}`,
    // --- scheduler ---
    /**
     * Hash of cron-run bookkeeping per template: `last:<id>` = time (ms) of its last completed
     * run, `cur:<id>` = time of the run in progress (resumed by whichever instance leads next).
     */
    schedRuns: () => `${p}sched:runs`,
    /**
     * Hash of one run's progress: `crowd` (the crowd file the run sends to, pinned at its start),
     * `c:<n>` per appended chunk, and the totals `read`, `sent`, `rejected`, `chunks`. Tagged with the route, like the stream, so
     * marking a chunk and appending it are one script.
     */
    schedRunProgress: (route: Route, templateId: number, runAt: number) =>
      `${p}sched:{${route}}:run:${templateId}:${runAt}`,
    // --- sandbox channel ---
    /** Capped list of what the sandbox channel delivered (newest first). */
    sandboxInbox: () => `${p}sandbox:inbox`,
  });
}

export type Keys = ReturnType<typeof createKeys>;
