import { partitionOf } from '../../domain/events.ts';
import { type MessageTrace, parseTrace } from '../../lifecycle/trace.ts';
import type { ReadDeps } from '../../stats/read.ts';
import { type Caller, mayRead } from '../../tenancy/caller.ts';

/**
 * The traces of the messages an index list names (a send request's ids, a business id's ids),
 * in the order they were sent, only those the caller may read (an app: the ones it sent);
 * messages whose trace expired are left out. At most `limit` are read.
 *
 * @example const { items } = await lookupMessages(read, keys.request('01K…'), caller, 100);
 */
export async function lookupMessages(
  deps: ReadDeps,
  indexKey: string,
  caller: Caller,
  limit: number,
): Promise<{ items: MessageTrace[]; total: number }> {
  const ids = [...new Set(await deps.redis.lrange(indexKey, 0, limit - 1))];
  const records = await Promise.all(
    ids.map((id) => deps.redis.hgetall(deps.keys.attempt(partitionOf(id, deps.partitions), id))),
  );
  const items: MessageTrace[] = [];
  ids.forEach((id, i) => {
    const t = parseTrace(id, records[i] ?? {});
    if (t && mayRead(caller, t.appId)) items.push(t);
  });
  return { items, total: items.length };
}
