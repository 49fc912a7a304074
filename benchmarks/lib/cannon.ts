import autocannon from 'autocannon';

/** One autocannon measurement of a `POST` endpoint. */
export type CannonResult = Readonly<{
  rps: number;
  total: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  seconds: number;
}>;

/**
 * Drives `POST url` with `connections` keep-alive connections for `seconds` (after a one-second
 * warm-up that is thrown away, so JIT and connection set-up do not count) and returns requests
 * per second and latency percentiles (ms).
 *
 * @example const r = await cannon({ url: `${base}/v1/send`, apiKey, body, connections: 64, seconds: 5 });
 */
export async function cannon(opts: {
  url: string;
  apiKey: string;
  body: string;
  connections: number;
  seconds: number;
}): Promise<CannonResult> {
  const base = {
    url: opts.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
    body: opts.body,
    connections: opts.connections,
    timeout: 30,
  };
  await autocannon({ ...base, duration: 1 });
  const r = await autocannon({ ...base, duration: opts.seconds });
  return {
    rps: r.requests.total / r.duration,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    seconds: r.duration,
  };
}
