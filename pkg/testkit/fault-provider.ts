import { type FakeHttp, type FakeReply, startFakeHttp } from './fake-http.ts';

/**
 * What the fault provider does with a call, chosen by the receiver URL's first path segment
 * (`/<fault>/<n>`): `ok` answers 200; `slow` answers 200 late (within the client timeout);
 * `timeout` holds its first call past the client timeout (then processes it anyway, as a real
 * provider whose answer was lost would); `hangup` accepts its first call and closes the
 * connection without answering; `limited` answers its first call 429 with `Retry-After: 1`;
 * `storm` answers 503 while the storm is on. Every later call of the same receiver answers 200.
 */
export type Fault = 'ok' | 'slow' | 'timeout' | 'hangup' | 'limited' | 'storm';

/** One call as the fault provider saw it. */
export type FaultCall = Readonly<{
  at: number;
  /** The `webhook-id` header: the message id. */
  messageId: string;
  receiver: string;
  fault: Fault;
  /** Whether the provider took the message (it would reach the user): 2xx, or accepted and then hung up or timed out. */
  processed: boolean;
  /** What was answered: a status, `reset` (hung up) or `late` (answered after the client's timeout). */
  answered: number | 'reset' | 'late';
}>;

export type FaultProvider = Readonly<{
  url: string;
  http: FakeHttp;
  calls: readonly FaultCall[];
  /** Turns the 5xx storm on or off. */
  storm(on: boolean): void;
  /** Message ids of the calls the provider processed, one per call (duplicates = sent twice). */
  processedIds(): string[];
  /** The most calls that arrived within any `windowMs` (sliding), optionally only from `since`. */
  maxInWindow(windowMs: number, since?: number): number;
  /** The calls of the busiest `windowMs` (sliding), for a failure message. */
  busiest(windowMs: number): readonly FaultCall[];
}>;

/**
 * A webhook receiver over real HTTP that injects provider faults per receiver (see {@link Fault}).
 * Signatures are not checked: the scenario tests the platform's handling of faults, and the
 * webhook provider's own tests check signing.
 *
 * @example
 * const p = await startFaultProvider({ slowMs: 500, hangMs: 3000 });
 * // receivers: `${p.url}/timeout/1`, `${p.url}/storm/7` …
 * p.storm(false); await p.http.close();
 */
export async function startFaultProvider(opts: { slowMs: number; hangMs: number }): Promise<FaultProvider> {
  const calls: FaultCall[] = [];
  const seen = new Map<string, number>();
  let storming = false;
  const http = await startFakeHttp((req): FakeReply => {
    const fault = (req.path.split('/')[1] ?? 'ok') as Fault;
    const n = (seen.get(req.path) ?? 0) + 1;
    seen.set(req.path, n);
    const first = n === 1;
    const record = (processed: boolean, answered: FaultCall['answered']) =>
      calls.push({
        at: Date.now(),
        messageId: req.headers['webhook-id'] ?? '',
        receiver: req.path,
        fault,
        processed,
        answered,
      });
    if (fault === 'storm' && storming) {
      record(false, 503);
      return { status: 503, body: 'overloaded' };
    }
    if (first && fault === 'timeout') {
      record(true, 'late');
      return { status: 200, delayMs: opts.hangMs };
    }
    if (first && fault === 'hangup') {
      record(true, 'reset');
      return { status: 200, reset: true };
    }
    if (first && fault === 'limited') {
      record(false, 429);
      return { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' };
    }
    record(true, 200);
    return { status: 200, ...(fault === 'slow' ? { delayMs: opts.slowMs } : {}) };
  });
  return {
    url: http.url,
    http,
    calls,
    storm: (on) => {
      storming = on;
    },
    processedIds: () => calls.filter((c) => c.processed).map((c) => c.messageId),
    busiest(windowMs) {
      let best: FaultCall[] = [];
      for (let i = 0, j = 0; i < calls.length; i++) {
        while (calls[i]!.at - calls[j]!.at >= windowMs) j++;
        if (i - j + 1 > best.length) best = calls.slice(j, i + 1);
      }
      return best;
    },
    maxInWindow(windowMs, since = 0) {
      const at = calls.map((c) => c.at).filter((t) => t >= since);
      let max = 0;
      for (let i = 0, j = 0; i < at.length; i++) {
        while (at[i]! - at[j]! >= windowMs) j++;
        max = Math.max(max, i - j + 1);
      }
      return max;
    },
  };
}
