import { setTimeout as sleep } from 'node:timers/promises';

/** One delivery the platform acknowledged (202): its receiver and when the answer arrived. */
export type Accepted = Readonly<{ receiver: string; at: number }>;

/** What a load run saw: acknowledged deliveries by message id and how often it had to retry. */
export type LoadResult = {
  accepted: Map<string, Accepted>;
  /** Requests sent again after a connection error, 409 (still running), 429 or 5xx. */
  retries: number;
  /** Answers by status (0: the connection failed), over every try. */
  statuses: Map<number, number>;
  /** Requests that never got a 202 before the run's deadline (their deliveries are not counted). */
  abandoned: number;
};

/**
 * A load generator: `requests` POST /v1/send calls of `perRequest` receivers each, `concurrency`
 * at a time, each with its own Idempotency-Key. A try that fails (connection refused or reset,
 * 409 while the first try still runs, 429, 5xx) is sent again with the same key and body to the
 * next base URL, as a careful client does, until `deadlineMs`; only 202 answers count as accepted.
 *
 * @example
 * const load = runLoad({ bases: () => [ingestA, ingestB], apiKey, templateId, receiverOf: (i) => `${rx.url}/h/${i}`, requests: 100, perRequest: 10 });
 * const { accepted } = await load.done;
 */
export function runLoad(opts: {
  bases: () => readonly string[];
  apiKey: string;
  templateId: number;
  /** The receiver of delivery number `i` (0-based, over the whole run). */
  receiverOf: (i: number) => string;
  requests: number;
  perRequest: number;
  concurrency?: number;
  /** A pause between one worker's requests, to spread the load over time. */
  pauseMs?: number;
  deadlineMs?: number;
  /** Idempotency keys start with this (unique per run). */
  keyPrefix?: string;
}): { done: Promise<LoadResult>; result: LoadResult; stop(): void } {
  const result: LoadResult = { accepted: new Map(), retries: 0, statuses: new Map(), abandoned: 0 };
  const deadline = Date.now() + (opts.deadlineMs ?? 170_000);
  const keyPrefix = opts.keyPrefix ?? `load-${Date.now().toString(36)}`;
  let next = 0;
  let stopped = false;
  let turn = 0;
  const count = (status: number) => result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);

  async function one(n: number): Promise<void> {
    const receivers = Array.from({ length: opts.perRequest }, (_, j) =>
      opts.receiverOf(n * opts.perRequest + j),
    );
    const body = JSON.stringify({
      templateId: opts.templateId,
      messages: [{ receivers, variables: { n: String(n) } }],
    });
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const bases = opts.bases();
      const base = bases[turn++ % bases.length]!;
      let status = 0;
      let answer: { messageIds?: string[] } | undefined;
      try {
        const res = await fetch(`${base}/v1/send`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${opts.apiKey}`,
            'content-type': 'application/json',
            'idempotency-key': `${keyPrefix}-${n}`,
          },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        answer = (await res.json().catch(() => undefined)) as typeof answer;
      } catch {
        status = 0; // refused, reset mid-request (the instance was killed) or timed out
      }
      count(status);
      if (status === 202 && answer?.messageIds?.length === receivers.length) {
        const at = Date.now();
        answer.messageIds.forEach((id, j) => {
          result.accepted.set(id, { receiver: receivers[j]!, at });
        });
        return;
      }
      if (status !== 0 && status !== 409 && status !== 429 && status < 500)
        throw new Error(`POST /v1/send answered ${status}: ${JSON.stringify(answer)}`);
      result.retries++;
      await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
    }
    result.abandoned++;
  }

  async function worker(): Promise<void> {
    while (!stopped && next < opts.requests) {
      await one(next++);
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
  }

  const done = Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker)).then(() => result);
  return {
    done,
    result,
    stop() {
      stopped = true;
    },
  };
}
