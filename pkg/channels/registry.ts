import type { Redis } from 'ioredis';
import type { Keys } from '../keys/keys.ts';
import { createEmailSender } from './email.ts';
import { failingSender } from './failing.ts';
import { createSandboxSender } from './sandbox.ts';
import type { ChannelSender, SenderAccount, SenderFactory, SendOutcome } from './types.ts';

/** Sender factories keyed `<channel>/<provider>` (e.g. `email/smtp`). */
export type SenderFactories = Readonly<Record<string, SenderFactory>>;

/** @example factoryKey('email', 'smtp') // 'email/smtp' */
export const factoryKey = (channel: string, provider: string): string => `${channel}/${provider}`;

/**
 * The built-in providers, listed explicitly (adding a provider = one line here, no
 * self-registration). Other channels' adapters join this map as they are written.
 *
 * @example const factories = builtinFactories({ redis, keys, sandboxInboxCap: 10_000 });
 */
export function builtinFactories(deps: {
  redis: Redis;
  keys: Keys;
  sandboxInboxCap: number;
}): SenderFactories {
  return Object.freeze({
    [factoryKey('email', 'smtp')]: createEmailSender,
    [factoryKey('sandbox', 'sandbox')]: createSandboxSender({
      redis: deps.redis,
      keys: deps.keys,
      inboxCap: deps.sandboxInboxCap,
    }),
  });
}

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
    await s.close?.();
  } catch {
    // A sender failing to close (a dead connection) must not stop the others from closing.
  }
};

/**
 * Builds senders per account lazily and keeps them (pooled SMTP connections live as long as the
 * account is unchanged). Keyed by (account id, updatedAt): an edited account gets a new sender,
 * and the replaced one is closed once its in-flight sends settle — never under a running send.
 * An unknown provider gets a sender that fails permanently with `PROVIDER_UNSUPPORTED`; a throw
 * from a sender becomes a retryable `SENDER_ERROR` outcome.
 *
 * @example
 * const senders = createSenderCache({ factories: builtinFactories(deps), loadAccount: (id) => accounts.forSender(id) });
 * const got = await senders.get(template.accountId);
 * const outcome = await got?.sender.send({ delivery, template, content, account: got.account });
 */
export function createSenderCache(opts: {
  factories: SenderFactories;
  loadAccount: (accountId: number) => Promise<SenderAccount | undefined>;
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

  const build = (account: SenderAccount): ChannelSender => {
    const factory = opts.factories[factoryKey(account.channel, account.provider)];
    if (!factory) {
      return failingSender(
        'PROVIDER_UNSUPPORTED',
        `no sender for provider ${factoryKey(account.channel, account.provider)}`,
      );
    }
    try {
      return factory(account);
    } catch (err) {
      return failingSender(
        'SENDER_INIT_FAILED',
        `sender of account ${account.id} could not be built: ${(err as Error).message}`,
      );
    }
  };

  const wrap = (e: Entry): ChannelSender => {
    const track = async (call: () => Promise<SendOutcome>): Promise<SendOutcome> => {
      e.inFlight++;
      try {
        return await call();
      } catch (err) {
        return {
          ok: false,
          retryable: true,
          code: 'SENDER_ERROR',
          message: (err as Error)?.message ?? 'error',
        };
      } finally {
        e.inFlight--;
        if (e.retired) retire(e);
      }
    };
    const recall = e.inner.recall;
    return Object.freeze({
      send: (req) => track(() => e.inner.send(req)),
      // No close(): the cache owns the sender's life (replacement, closeAll).
      ...(recall ? { recall: (req: Parameters<typeof recall>[0]) => track(() => e.inner.recall!(req)) } : {}),
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
