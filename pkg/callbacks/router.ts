import type { Entry, Settlement } from '../bus/entry.ts';
import { decodeEvent } from '../domain/events.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { callbackPayload, encodeItem, webhookIdOf } from './payload.ts';
import type { CallbackTarget } from './settings.ts';

/** What the router needs. @example createRouter({ redis, keys, partitionOf, target }) */
export type RouterDeps = Readonly<{
  redis: Redis;
  keys: Keys;
  /** Event stream key → its partition. */
  partitionOf: (stream: string) => number | undefined;
  /** The app's callback settings (cached by the caller); undefined = callbacks off. */
  target: (appId: number) => Promise<CallbackTarget | undefined>;
  /** Called once per callback put in the outbox. */
  onRouted?: () => void;
}>;

/**
 * The first half of the callbacks: turns one lifecycle event into at most one outbox entry and
 * is done with it. It never talks to a receiver, so however slow or dead receivers are, the
 * `callbacks` group on the event streams keeps up. Every event is acknowledged except when
 * Redis or the app lookup fails (then it stays pending and is read again: nothing is lost).
 *
 * @example
 * const route = createRouter({ redis, keys, partitionOf, target: (id) => targets.get(id) });
 * await route(entry); // { kind: 'ack' }, the callback (if wanted) is in keys.callbacks()
 */
export function createRouter(deps: RouterDeps): (entry: Entry) => Promise<Settlement> {
  const { redis, keys } = deps;
  return async (entry) => {
    const e = decodeEvent(entry.fields);
    const partition = deps.partitionOf(entry.stream);
    if (!e || partition === undefined) return { kind: 'ack' };
    // Every event names the sending app (none: a platform send), so deciding costs no Redis
    // call; only a wanted callback reads the caller's business id from the message's record.
    const appId = e.appId;
    if (!appId || !Number.isSafeInteger(appId) || appId <= 0) return { kind: 'ack' };
    const target = await deps.target(appId);
    if (!target?.callbackStates.includes(e.state)) return { kind: 'ack' };
    const biz = (await redis.hget(keys.attempt(partition, e.messageId), 'biz')) ?? undefined;
    const item = encodeItem({
      appId,
      webhookId: webhookIdOf(e),
      messageId: e.messageId,
      state: e.state,
      body: JSON.stringify(callbackPayload(e, biz)),
      attempts: 0,
      reason: '',
    });
    await redis.xadd(keys.callbacks(), '*', ...Object.entries(item).flat());
    deps.onRouted?.();
    return { kind: 'ack' };
  };
}
