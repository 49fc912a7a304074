import { Agent, request } from 'node:http';
import { sleep } from './env.ts';

/** A keep-alive HTTP client of `POST /v1/send` with one app key. */
export type SendClient = Readonly<{
  /** Posts a JSON body (string); resolves with the status and the time to the full answer (ms). */
  post(body: string): Promise<{ status: number; ms: number; text: string }>;
  close(): void;
}>;

/**
 * A lean client for load generation: node:http with a keep-alive agent of `sockets`
 * connections (fetch costs several times more CPU per request, and the load generator shares
 * the machine with what it measures).
 *
 * @example const c = sendClient(baseUrl, apiKey, 16); const r = await c.post(JSON.stringify(body));
 */
export function sendClient(baseUrl: string, apiKey: string, sockets: number): SendClient {
  const url = new URL('/v1/send', baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return Object.freeze({
    post(body: string) {
      const t0 = performance.now();
      return new Promise<{ status: number; ms: number; text: string }>((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization: `Bearer ${apiKey}`,
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                ms: performance.now() - t0,
                text: Buffer.concat(chunks).toString(),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  });
}

/**
 * Send bodies with distinct receivers: `n` receivers in one message, numbered from a running
 * counter (a real crowd, not one address repeated).
 *
 * @example const next = sendBodies(templateId, 100); const body = next();
 */
export function sendBodies(templateId: number, receivers: number, tagOf = 'r'): () => string {
  let seq = 0;
  return () => {
    const list: string[] = [];
    for (let i = 0; i < receivers; i++) list.push(`${tagOf}${seq++}@bench.example`);
    return JSON.stringify({
      templateId,
      messages: [{ receivers: list, variables: { name: 'Ann', code: String(100000 + (seq % 900000)) } }],
    });
  };
}

/** What a load phase did. */
export type LoadReport = {
  requests: number;
  accepted: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  /** Requests not issued on time because `maxInFlight` were outstanding (fixed rate only). */
  skipped: number;
  /**
   * CPU ms per request of this process (the harness is the load generator of open-loop and
   * gated phases; wrk cannot keep a fixed rate or watch a queue), over the whole phase.
   */
  cpuMsPerRequest: number;
  firstError?: string;
};

const tally = () => {
  const r: LoadReport = {
    requests: 0,
    accepted: 0,
    errors: 0,
    statuses: {},
    seconds: 0,
    skipped: 0,
    cpuMsPerRequest: 0,
  };
  const cpu0 = process.cpuUsage();
  const done = (status: number, text: string) => {
    r.requests++;
    r.statuses[status] = (r.statuses[status] ?? 0) + 1;
    if (status === 202) r.accepted++;
    else {
      r.errors++;
      r.firstError ??= `${status} ${text.slice(0, 300)}`;
    }
  };
  const fail = (err: unknown) => {
    r.requests++;
    r.errors++;
    r.statuses['network'] = (r.statuses['network'] ?? 0) + 1;
    r.firstError ??= String((err as Error)?.message ?? err);
  };
  /** Stamps the phase's duration and the process's CPU per request since the tally began. */
  const finish = (t0: number) => {
    const cpu = process.cpuUsage(cpu0);
    r.seconds = (performance.now() - t0) / 1000;
    r.cpuMsPerRequest = (cpu.user + cpu.system) / 1000 / Math.max(1, r.requests);
    return r;
  };
  return { r, done, fail, finish };
};

/**
 * Open-loop load: issues `rate` requests per second for `seconds`, on a clock (a slow answer
 * does not slow the offered load), with at most `maxInFlight` outstanding.
 *
 * @example await fixedRate({ client, body: next, rate: 500, seconds: 10, maxInFlight: 256 });
 */
export async function fixedRate(opts: {
  client: SendClient;
  body: () => string;
  rate: number;
  seconds: number;
  maxInFlight: number;
  /** Called with each 202 answer's text and the time (performance.now()) its request was issued. */
  onAccepted?: (text: string, issuedAt: number) => void;
}): Promise<LoadReport> {
  const { r, done, fail, finish } = tally();
  const t0 = performance.now();
  const end = t0 + opts.seconds * 1000;
  let issued = 0;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * opts.rate) - issued;
    for (let i = 0; i < due; i++) {
      issued++;
      if (inFlight >= opts.maxInFlight) {
        r.skipped++;
        continue;
      }
      inFlight++;
      const issuedAt = performance.now();
      const p: Promise<void> = opts.client
        .post(opts.body())
        .then((x) => {
          done(x.status, x.text);
          if (x.status === 202) opts.onAccepted?.(x.text, issuedAt);
        }, fail)
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return finish(t0);
}

/**
 * Closed-loop load: `workers` loops each post one request after the other while `running()`
 * holds; a worker waits while `gate()` says no (e.g. the queue is long enough).
 *
 * @example await closedLoop({ client, body: next, workers: 8, running: () => Date.now() < end, gate: () => backlog < 20_000 });
 */
export async function closedLoop(opts: {
  client: SendClient;
  body: () => string;
  workers: number;
  running: () => boolean;
  gate?: () => boolean;
  /** Stop after issuing this many requests. */
  maxRequests?: number;
}): Promise<LoadReport> {
  const { done, fail, finish } = tally();
  const t0 = performance.now();
  let issued = 0;
  const max = opts.maxRequests ?? Number.POSITIVE_INFINITY;
  await Promise.all(
    Array.from({ length: opts.workers }, async () => {
      while (opts.running() && issued < max) {
        if (opts.gate && !opts.gate()) {
          await sleep(2);
          continue;
        }
        issued++;
        await opts.client.post(opts.body()).then((x) => done(x.status, x.text), fail);
      }
    }),
  );
  return finish(t0);
}
