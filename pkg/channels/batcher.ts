import type { Delivery } from '../domain/delivery.ts';
import type { Template } from '../domain/template.ts';
import type { SendOutcome } from './definition.ts';

/** One send waiting for its batch: the delivery, its template and its parsed, rendered content. */
export type BatchItem = Readonly<{ delivery: Delivery; template: Template; content: unknown }>;

/**
 * Options of {@link createBatcher}.
 *
 * @example { max: 200, lingerMs: (d) => (d.messageType === 'auth' ? 0 : 20), call: (items) => client.sendBatch(…) }
 */
export type BatcherOptions = Readonly<{
  /** Most items in one call (the provider's batch maximum). */
  max: number;
  /**
   * Longest a group waits for others (0: only those of the same turn). It goes earlier, once no
   * new item came for a quarter of that: a burst fills its calls, a lone send waits briefly.
   */
  lingerMs: (delivery: Delivery) => number;
  now?: () => number;
  /**
   * Only deliveries of one send request share a call: a provider that recalls per call (task
   * id, msgid) must not recall one request's message by recalling another's.
   */
  perRequest?: boolean;
  /** One provider call for a group; one outcome per item, in order (a throw fails them all). */
  call: (items: readonly BatchItem[]) => Promise<readonly SendOutcome[]>;
}>;

type Group = {
  items: BatchItem[];
  waiters: ((o: SendOutcome) => void)[];
  receivers: Set<string>;
  /** When the first item came, and the latest. */
  first: number;
  last: number;
  timer?: NodeJS.Timeout | NodeJS.Immediate;
};

const thrown = (err: unknown): SendOutcome => ({
  ok: false,
  retryable: true,
  code: 'SENDER_ERROR',
  message: ((err as Error)?.message ?? 'error').slice(0, 500),
});

/**
 * Coalesces single sends into provider batch calls: sends of one template whose rendered
 * content is identical (same parameters) wait together until the group holds `max` or the
 * first has waited `lingerMs`, then go in one `call`; each send resolves with its own outcome.
 * A receiver already in the waiting group starts a new group (one call never names a number
 * twice, so per-number results map back unambiguously).
 *
 * @example
 * const b = createBatcher({ max: 200, lingerMs: () => 20, call: (items) => client.sendBatch!({ … }) });
 * const outcome = await b.add({ delivery, template, content });
 */
export function createBatcher(opts: BatcherOptions) {
  const open = new Map<string, Group>();
  const now = opts.now ?? Date.now;

  /** Waits until the group went quiet for `idle` ms, or is `max` ms old. */
  const arm = (key: string, g: Group, max: number, idle: number): void => {
    const due = Math.min(g.last + idle, g.first + max) - now();
    g.timer = setTimeout(
      () => {
        const t = now();
        if (t - g.last >= idle || t - g.first >= max) flush(key, g);
        else arm(key, g, max, idle);
      },
      Math.max(1, due),
    );
  };

  const flush = (key: string, g: Group): void => {
    if (open.get(key) === g) open.delete(key);
    if (g.timer) {
      clearTimeout(g.timer as NodeJS.Timeout);
      clearImmediate(g.timer as NodeJS.Immediate);
    }
    opts.call(g.items).then(
      (outcomes) => {
        g.waiters.forEach((w, i) => {
          w(outcomes[i] ?? thrown(new Error('the provider call answered fewer outcomes than sends')));
        });
      },
      (err) => {
        for (const w of g.waiters) w(thrown(err));
      },
    );
  };

  return Object.freeze({
    add(item: BatchItem): Promise<SendOutcome> {
      const scope = opts.perRequest ? `${item.delivery.requestId}:` : '';
      const key = `${scope}${item.template.id}:${item.template.updatedAt}:${JSON.stringify(item.content)}`;
      let g = open.get(key);
      if (g?.receivers.has(item.delivery.receiver)) {
        flush(key, g);
        g = undefined;
      }
      if (!g) {
        const t = now();
        const fresh: Group = { items: [], waiters: [], receivers: new Set(), first: t, last: t };
        const linger = Math.max(0, opts.lingerMs(item.delivery));
        if (linger > 0) arm(key, fresh, linger, Math.max(1, Math.floor(linger / 4)));
        else fresh.timer = setImmediate(() => flush(key, fresh));
        open.set(key, fresh);
        g = fresh;
      }
      const group = g;
      group.last = now();
      return new Promise<SendOutcome>((resolve) => {
        group.items.push(item);
        group.waiters.push(resolve);
        group.receivers.add(item.delivery.receiver);
        if (group.items.length >= opts.max) flush(key, group);
      });
    },
    /** Sends every waiting group now (shutdown: nothing waits for a timer that will not fire). */
    flushAll(): void {
      for (const [key, g] of [...open]) flush(key, g);
    },
  });
}

export type Batcher = ReturnType<typeof createBatcher>;
