import type { Catalog } from './catalog.ts';
import type { Kit } from './kit/types.ts';
import {
  type BatchSettings,
  type BreakerPort,
  buildSender,
  type ChannelSender,
  failingSender,
  type SenderAccount,
} from './sender.ts';

export type SenderCache = Readonly<{
  /** The account (via `loadAccount`) and its sender; `undefined` when the account does not exist. */
  get(accountId: number): Promise<{ account: SenderAccount; sender: ChannelSender } | undefined>;
  /** The sender of an already loaded account (built on first use, rebuilt when `updatedAt` moves on). */
  forAccount(account: SenderAccount): ChannelSender;
  /** Closes every sender (shutdown: call after in-flight sends are settled). */
  closeAll(): Promise<void>;
  /** Number of live cached senders. */
  size(): number;
}>;

type Entry = {
  updatedAt: number;
  inner: ChannelSender;
  outer: ChannelSender;
  inFlight: number;
  retired: boolean;
  closing?: Promise<void>;
};

const closeQuietly = async (s: ChannelSender): Promise<void> => {
  try {
    await s.close();
  } catch {
    // A sender failing to close (a dead connection) must not stop the others from closing.
  }
};

/**
 * Builds senders per account lazily and keeps them (pooled SMTP connections, HTTP agents live as
 * long as the account is unchanged). Keyed by (account id, updatedAt): an edited account gets a
 * new sender, and the replaced one is closed once its in-flight sends settle — never under a
 * running send. Senders come from the catalog's definitions ({@link buildSender}); an unknown
 * provider gets one that fails permanently with `PROVIDER_UNSUPPORTED`.
 *
 * @example
 * const senders = createSenderCache({ catalog, kitFor: (id) => createKit({ ... }), loadAccount });
 * const got = await senders.get(template.accountId);
 * const outcome = await got?.sender.send({ delivery, template, content });
 */
export function createSenderCache(opts: {
  catalog: Catalog;
  kitFor: (account: SenderAccount) => Kit;
  loadAccount: (accountId: number) => Promise<SenderAccount | undefined>;
  breakers?: BreakerPort;
  /** How batch providers coalesce sends (default: only sends of the same event-loop turn). */
  batching?: BatchSettings;
}): SenderCache {
  const entries = new Map<number, Entry>();
  /** Replaced senders still finishing sends; closed when the last one settles (or at closeAll). */
  const retiring = new Set<Entry>();

  const retire = (e: Entry): void => {
    e.retired = true;
    if (e.inFlight > 0 || e.closing) {
      if (!e.closing) retiring.add(e);
      return;
    }
    retiring.delete(e);
    e.closing = closeQuietly(e.inner);
  };

  const build = (account: SenderAccount): ChannelSender =>
    buildSender(
      opts.catalog.find(account.channel, account.provider),
      account,
      opts.kitFor(account),
      opts.breakers,
      opts.batching,
    );

  // In-flight tracking, so a replaced sender is closed only after its calls settle.
  const wrap = (e: Entry): ChannelSender => {
    const track = async <T>(call: () => Promise<T>): Promise<T> => {
      e.inFlight++;
      try {
        return await call();
      } finally {
        e.inFlight--;
        if (e.retired) retire(e);
      }
    };
    const { recall, callback, pullReceipts } = e.inner;
    return Object.freeze({
      provider: e.inner.provider,
      ...(e.inner.batch ? { batch: e.inner.batch } : {}),
      accepts: (content: unknown) => e.inner.accepts(content),
      admit: (receiver: string) => e.inner.admit(receiver),
      send: (req) => track(() => e.inner.send(req)),
      testConnection: () => track(() => e.inner.testConnection()),
      ...(recall ? { recall: (req: Parameters<typeof recall>[0]) => track(() => recall(req)) } : {}),
      ...(callback ? { callback: (req: Parameters<typeof callback>[0]) => track(() => callback(req)) } : {}),
      ...(pullReceipts
        ? { pullReceipts: (p: Parameters<typeof pullReceipts>[0]) => track(() => pullReceipts(p)) }
        : {}),
      // The cache owns the sender's life (replacement, closeAll): closing a handed-out one is a no-op.
      close: async () => {},
    });
  };

  const forAccount = (account: SenderAccount): ChannelSender => {
    const cur = entries.get(account.id);
    // Newest wins: a slow load returning an older version must not replace a newer sender.
    if (cur && cur.updatedAt >= account.updatedAt) return cur.outer;
    const e: Entry = {
      updatedAt: account.updatedAt,
      inner: build(account),
      outer: failingSender('SENDER_ERROR', 'unset'),
      inFlight: 0,
      retired: false,
    };
    e.outer = wrap(e);
    entries.set(account.id, e);
    if (cur) retire(cur);
    return e.outer;
  };

  return Object.freeze({
    async get(accountId: number) {
      const account = await opts.loadAccount(accountId);
      if (!account) return undefined;
      return { account, sender: forAccount(account) };
    },
    forAccount,
    async closeAll() {
      const all = [...entries.values(), ...retiring];
      entries.clear();
      retiring.clear();
      await Promise.all(all.map((e) => (e.closing ??= closeQuietly(e.inner))));
    },
    size: () => entries.size,
  });
}
