import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { tickBatcher } from '../../../redis/tick-batch.ts';
import type { ProviderClient, Receipt, SendOutcome } from '../../definition.ts';
import type { Kit } from '../../kit/types.ts';
import type { SandboxItem } from './inbox.ts';
import type { SandboxConfig } from './schema.ts';

const receiptBody = z.object({
  messageId: z.string().min(1).max(64),
  state: z.enum(['delivered', 'read', 'failed']),
  reason: z.string().max(200).optional(),
});

/**
 * The sandbox client of one account: keeps the rendered message at the head of a capped Redis
 * list (LPUSH + LTRIM in one MULTI, so the cap holds under any concurrency), after the account's
 * injected latency and failures. `random` picks injected failures (tests pin it).
 *
 * @example
 * const client = createSandboxClient(sandboxConfig.parse({ failAttempts: 1 }), kit);
 * await client.send({ delivery, template, content: { text: 'Hello Ann' } }); // attempt 1 fails, retryable
 */
export function createSandboxClient(
  cfg: SandboxConfig,
  kit: Kit,
  random: () => number = Math.random,
): ProviderClient<Record<string, unknown>> {
  const rejected = new Set(cfg.rejectReceivers);
  const inbox = kit.keys.sandboxInbox();
  const cap = cfg.inboxCap;
  // The sends of one turn go into the inbox in one MULTI (LPUSH of all, one LTRIM): the sandbox
  // is the benchmarks' sink and must not cost more than a provider call would.
  const store = tickBatcher<string, true>({
    groupOf: () => 0,
    run: async (_g, items) => {
      const res = await kit.redis
        .multi()
        .lpush(inbox, ...items)
        .ltrim(inbox, 0, cap - 1)
        .exec();
      const failed = res?.find(([err]) => err);
      if (!res || failed) throw failed?.[0] ?? new Error('transaction aborted');
      return items.map(() => true as const);
    },
  });

  return Object.freeze({
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
        sentAt: kit.now(),
        templateId: delivery.templateId,
        appId: delivery.appId ?? null,
      };
      try {
        await store(JSON.stringify(item));
      } catch (err) {
        // Redis down is the sandbox's "provider unreachable": worth another try.
        return { ok: false, retryable: true, code: 'SANDBOX_STORE', message: (err as Error).message };
      }
      return { ok: true, providerMessageId: delivery.id };
    },
    // A sandbox message can always be recalled: the inbox item stays (it shows what was sent).
    async recall() {
      return { ok: true } as const;
    },
    receipts: {
      async callback(req) {
        let parsed: z.infer<typeof receiptBody>;
        try {
          parsed = receiptBody.parse(JSON.parse(req.body));
        } catch {
          return { ok: false, message: 'body must be {"messageId", "state": "delivered"|"read"|"failed"}' };
        }
        const receipt: Receipt = {
          messageId: parsed.messageId,
          providerMessageId: parsed.messageId,
          state: parsed.state,
          at: kit.now(),
          ...(parsed.reason ? { reason: parsed.reason } : {}),
        };
        return { receipts: [receipt], reply: { status: 200, body: { ok: true } } };
      },
    },
    async testConnection() {
      try {
        await kit.redis.ping();
        return { ok: true } as const;
      } catch (err) {
        return { ok: false, code: 'SANDBOX_STORE', message: (err as Error).message } as const;
      }
    },
  });
}
