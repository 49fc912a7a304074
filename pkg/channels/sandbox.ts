import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../keys/keys.ts';
import { loadScripts } from '../runtime/lua.ts';
import { failingSender } from './failing.ts';
import type { ChannelSender, SenderFactory, SendOutcome } from './types.ts';

/** What the sandbox channel "delivered": one inbox entry (`sentAt` in ms since epoch). */
export type SandboxItem = {
  messageId: string;
  receiver: string;
  content: unknown;
  sentAt: number;
  templateId: number;
};

/**
 * Failure injection of a sandbox account (its `config`), so tests and benchmarks can exercise
 * retries, permanent failures, throttling and provider latency without a real provider. All
 * optional; `{}` is a sandbox that always succeeds at once.
 */
const sandboxConfigSchema = z.object({
  /** Probability (0..1) that a send fails with `failCode`. */
  failRate: z.number().min(0).max(1).default(0),
  /** Every attempt up to this number fails (deterministic retries: 2 → attempts 1 and 2 fail). */
  failAttempts: z.number().int().min(0).default(0),
  failCode: z.string().min(1).max(64).default('SANDBOX_FAILURE'),
  /** Whether injected failures are retryable (default) or permanent. */
  failRetryable: z.boolean().default(true),
  /** Injected failures say "slow down" (the rate limiter's cool-down path). */
  rateLimited: z.boolean().default(false),
  retryAfterMs: z.number().int().min(0).optional(),
  /** Receivers refused permanently with `SANDBOX_REJECTED` (a bad address at a real provider). */
  rejectReceivers: z.array(z.string()).default([]),
  /** Simulated provider latency per call, plus up to `latencyJitterMs` at random. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  latencyJitterMs: z.number().int().min(0).max(60_000).default(0),
});

export type SandboxAccountConfig = z.infer<typeof sandboxConfigSchema>;

export type SandboxDeps = {
  redis: Redis;
  keys: Keys;
  /** Max items kept in the inbox (oldest dropped). */
  inboxCap: number;
  now?: () => number;
  random?: () => number;
};

/**
 * The sandbox provider: "delivers" by keeping the rendered message at the head of a capped Redis
 * list (LPUSH + LTRIM in one MULTI, so the cap holds under any concurrency). It is the embedded
 * default for a new user and the sink of benchmarks. Returns a {@link SenderFactory}: the
 * failure injection is per account.
 *
 * @example
 * const factory = createSandboxSender({ redis, keys, inboxCap: 10_000 });
 * const sender = factory({ id: 1, channel: 'sandbox', provider: 'sandbox', config: { failAttempts: 1 }, updatedAt: 0 });
 * await sender.send({ delivery, template, content: { text: 'Hello Ann' }, account }); // attempt 1 fails, retryable
 */
export function createSandboxSender(deps: SandboxDeps): SenderFactory {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const cap = Math.max(1, Math.floor(deps.inboxCap));
  const inbox = deps.keys.sandboxInbox();

  return (account): ChannelSender => {
    const parsed = sandboxConfigSchema.safeParse(account.config ?? {});
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path.join('.') || '(root)';
      return failingSender('ACCOUNT_CONFIG_INVALID', `invalid sandbox account config: ${path}`);
    }
    const cfg = parsed.data;
    const rejected = new Set(cfg.rejectReceivers);

    return {
      async send({ delivery, content }): Promise<SendOutcome> {
        const latency = cfg.latencyMs + Math.floor(random() * cfg.latencyJitterMs);
        if (latency > 0) await sleep(latency);
        if (rejected.has(delivery.receiver)) {
          return { ok: false, retryable: false, code: 'SANDBOX_REJECTED', message: 'receiver refused' };
        }
        if (delivery.attempt <= cfg.failAttempts || (cfg.failRate > 0 && random() < cfg.failRate)) {
          return {
            ok: false,
            retryable: cfg.failRetryable,
            code: cfg.failCode,
            message: 'injected sandbox failure',
            ...(cfg.retryAfterMs !== undefined ? { retryAfterMs: cfg.retryAfterMs } : {}),
            ...(cfg.rateLimited ? { rateLimited: true } : {}),
          };
        }
        const item: SandboxItem = {
          messageId: delivery.id,
          receiver: delivery.receiver,
          content,
          sentAt: now(),
          templateId: delivery.templateId,
        };
        try {
          const res = await deps.redis
            .multi()
            .lpush(inbox, JSON.stringify(item))
            .ltrim(inbox, 0, cap - 1)
            .exec();
          const failed = res?.find(([err]) => err);
          if (!res || failed) throw failed?.[0] ?? new Error('transaction aborted');
        } catch (err) {
          // Redis down is the sandbox's "provider unreachable": worth another try.
          return { ok: false, retryable: true, code: 'SANDBOX_STORE', message: (err as Error).message };
        }
        return { ok: true, providerMessageId: delivery.id };
      },
    };
  };
}

const SCRIPTS = new URL('./scripts/', import.meta.url);

/**
 * Reads the sandbox inbox, newest first, for `GET /v1/sandbox/messages`. `total` counts every
 * kept item (or every kept item of `receiver`); `items` holds at most `limit` of them.
 *
 * @example const { items, total } = await readSandboxInbox(redis, keys, { receiver: 'a@x.com', limit: 20 });
 */
export async function readSandboxInbox(
  redis: Redis,
  keys: Keys,
  opts: { receiver?: string | undefined; limit: number },
): Promise<{ items: SandboxItem[]; total: number }> {
  const key = keys.sandboxInbox();
  const limit = Math.max(0, Math.floor(opts.limit));
  if (opts.receiver === undefined || opts.receiver === '') {
    // One MULTI so `total` and `items` describe the same moment of a list that keeps moving.
    const res = await redis
      .multi()
      .lrange(key, 0, Math.max(0, limit - 1))
      .llen(key)
      .exec();
    const range = limit > 0 ? ((res?.[0]?.[1] as string[] | undefined) ?? []) : [];
    const len = Number(res?.[1]?.[1] ?? 0);
    return { items: range.map(parseItem).filter((i): i is SandboxItem => i !== undefined), total: len };
  }
  const { sandboxRead } = loadScripts(redis, SCRIPTS, { sandboxRead: 1 });
  const res = (await sandboxRead([key], [opts.receiver, limit])) as [number, ...string[]];
  const [total, ...raw] = res;
  return { items: raw.map(parseItem).filter((i): i is SandboxItem => i !== undefined), total: Number(total) };
}

const parseItem = (s: string): SandboxItem | undefined => {
  try {
    const v = JSON.parse(s) as SandboxItem;
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
};
