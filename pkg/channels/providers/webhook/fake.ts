import { type FakeReply, startFakeHttp } from '../../../testkit/fake-http.ts';
import { verifyWebhook } from '../../kit/standard-webhooks.ts';

/**
 * Test-only: a real webhook receiver on a local port that checks what a Standard Webhooks
 * receiver checks (the spec algorithm, via {@link verifyWebhook}: all three headers, timestamp
 * within ±300 s, a matching `v1` entry) and answers as it is told. A request whose signature
 * does not verify is answered 401, as a real receiver would refuse it, and still recorded.
 */

/** How the receiver answers a verified request: a status (with headers/body), or never (`hang`). */
export type FakeAnswer =
  | Readonly<{ status: number; headers?: Record<string, string>; body?: string }>
  | 'hang';

/** One request as the receiver got it. */
export type ReceivedWebhook = Readonly<{
  method: string;
  /** Path and query as requested. */
  path: string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  /** The raw body text (what was signed). */
  body: string;
  /** The verdict of the spec algorithm on this request. */
  verified: { ok: true } | { ok: false; reason: string };
  /** What the receiver answered (`hang`: nothing). */
  answered: number | 'hang';
}>;

export type FakeWebhookReceiver = Readonly<{
  /** `http://127.0.0.1:<port>` (append any path). */
  url: string;
  port: number;
  /** Requests in arrival order. */
  received: readonly ReceivedWebhook[];
  /** Sets the answer to every following verified request (default `{ status: 200 }`). */
  answer(answer: FakeAnswer): void;
  /** Resolves once `count` requests arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<readonly ReceivedWebhook[]>;
  /** Stops listening and drops hanging requests. */
  close(): Promise<void>;
}>;

/** How long a `hang` answer is held back: longer than any client timeout; close() drops it. */
const HANG_MS = 10 * 60_000;

/**
 * Starts a receiver on 127.0.0.1 and a random port (on {@link startFakeHttp}), verifying with
 * `secret`.
 *
 * @example
 * const rx = await startFakeWebhookReceiver({ secret: 'whsec_…' });
 * rx.answer({ status: 503 });
 * // … send to `${rx.url}/hook` …
 * assert.equal(rx.received[0]?.verified.ok, true);
 * await rx.close();
 */
export async function startFakeWebhookReceiver(opts: {
  secret: string;
  /** The receiver's clock for the timestamp check (default: the real one). */
  now?: () => number;
}): Promise<FakeWebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const now = opts.now ?? Date.now;
  let current: FakeAnswer = { status: 200 };

  const http = await startFakeHttp((req): FakeReply => {
    const verified = verifyWebhook(opts.secret, req.headers, req.body, now());
    const answer: FakeAnswer = verified.ok ? current : { status: 401, body: verified.reason };
    received.push({
      method: req.method,
      path: req.url,
      headers: req.headers,
      body: req.body,
      verified,
      answered: answer === 'hang' ? 'hang' : answer.status,
    });
    for (const wake of waiters) wake();
    if (answer === 'hang') return { status: 200, delayMs: HANG_MS };
    return {
      status: answer.status,
      headers: { 'content-type': 'text/plain', ...answer.headers },
      body: answer.body ?? '',
    };
  });

  return Object.freeze({
    url: http.url,
    port: http.port,
    received,
    answer: (a: FakeAnswer) => {
      current = a;
    },
    waitFor: (count: number, timeoutMs = 5000) =>
      new Promise<readonly ReceivedWebhook[]>((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          cleanup();
          resolve(received.slice());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`fake webhook receiver: ${received.length} of ${count} requests in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () => http.close(),
  });
}
