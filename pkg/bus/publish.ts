import { AppError } from '../domain/errors.ts';
import type { RedisClient } from '../redis/client.ts';
import { keyCommand, pipelineAnySlot } from '../redis/cluster.ts';
import { type Fields, flatOf } from './entry.ts';

/** One entry to append: a stream key and its fields (record, or flat `[name, value, …]`). */
export type Outgoing = Readonly<{ stream: string; fields: Fields | readonly string[] }>;

/**
 * Appends entries to their streams in one pipelined round trip and returns their ids in input
 * order. Throws `AppError('BUS_UNAVAILABLE', 503)` when any append failed — the caller must not
 * answer success; some entries may have been written, so the caller retries idempotently.
 *
 * @example
 * const [id] = await publish(redis, [{ stream: keys.stream('email.notice'), fields: { id: 'm1' } }]);
 */
export async function publish(redis: RedisClient, entries: readonly Outgoing[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const flats = entries.map((e) => flatOf(e.fields));
  const pipe = pipelineAnySlot(redis);
  entries.forEach((e, i) => {
    pipe.xadd(e.stream, '*', ...flats[i]!);
  });
  let results: Array<[Error | null, unknown]> | null;
  try {
    results = await pipe.exec();
  } catch (err) {
    throw unavailable(entries.length, entries.length, err);
  }
  if (!results || results.length !== entries.length) throw unavailable(entries.length, entries.length);
  const failed = results.filter(([err, id]) => err || typeof id !== 'string');
  if (failed.length > 0) throw unavailable(failed.length, entries.length, failed[0]![0]);
  return results.map(([, id]) => id as string);
}

/**
 * The error of a failed bus write: 503 with Retry-After, `cause` holding the Redis error.
 *
 * @example throw unavailable(1, 10, err);
 */
export function unavailable(failed: number, total: number, cause?: unknown): AppError {
  const err = new AppError(
    'BUS_UNAVAILABLE',
    503,
    `could not write ${failed} of ${total} entries to Redis; retry later`,
    { failed, total },
    1,
  );
  if (cause !== undefined) err.cause = cause;
  return err;
}

/**
 * Creates a consumer group if it does not exist yet (creating the stream too). New groups start
 * at `0` by default, so entries appended before any consumer started are still delivered.
 *
 * @example await ensureGroup(redis, keys.stream('email.notice'), 'handlers');
 */
export async function ensureGroup(
  redis: RedisClient,
  stream: string,
  group: string,
  startId = '0',
): Promise<void> {
  try {
    await keyCommand(redis, stream, ['XGROUP', 'CREATE', stream, group, startId, 'MKSTREAM']);
  } catch (err) {
    if (!String((err as Error)?.message).includes('BUSYGROUP')) throw err;
  }
}
