/**
 * Retry delay for a failed attempt: exponential backoff with full jitter (a random point in
 * [0, min(max, base·2^(attempt-1))]), never earlier than the provider's Retry-After.
 *
 * @example backoffMs({ attempt: 3, baseMs: 1000, maxMs: 60_000, random: () => 0.5 }) // 2000
 */
export function backoffMs(o: {
  attempt: number;
  baseMs: number;
  maxMs: number;
  random: () => number;
  retryAfterMs?: number | undefined;
}): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, o.attempt - 1));
  const jittered = Math.floor(o.random() * ceiling);
  return Math.max(jittered, o.retryAfterMs ?? 0);
}
