import type { Receipt } from '../channels/definition.ts';
import type { RedisClient as Redis } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';

/**
 * A receipt in the inbox: which account's provider reported it, and what. `messageId` is set
 * when the provider echoed ours; else the message is found by `providerMessageId` (+ number).
 */
export type InboxReceipt = Readonly<{ accountId: number; receipt: Receipt; tries: number }>;

/**
 * Stream-entry fields of an inbox receipt (`acct mid pmid rcv st at rsn n`).
 *
 * @example encodeReceipt({ accountId: 2, tries: 0, receipt: { providerMessageId: 'sn', state: 'delivered', at: 1 } })
 */
export function encodeReceipt(r: InboxReceipt): string[] {
  return [
    'acct',
    String(r.accountId),
    'mid',
    r.receipt.messageId ?? '',
    'pmid',
    r.receipt.providerMessageId,
    'rcv',
    r.receipt.receiver ?? '',
    'st',
    r.receipt.state,
    'at',
    String(r.receipt.at),
    'rsn',
    (r.receipt.reason ?? '').slice(0, 200),
    'n',
    String(r.tries),
  ];
}

/** Parses inbox fields; undefined when malformed (dead-lettered). */
export function decodeReceipt(f: Readonly<Record<string, string>>): InboxReceipt | undefined {
  const accountId = Number(f.acct);
  const state = f.st;
  if (!Number.isSafeInteger(accountId) || accountId <= 0) return undefined;
  if (state !== 'delivered' && state !== 'read' && state !== 'failed') return undefined;
  if (!f.mid && !f.pmid) return undefined;
  return {
    accountId,
    tries: Number(f.n) || 0,
    receipt: {
      ...(f.mid ? { messageId: f.mid } : {}),
      providerMessageId: f.pmid ?? '',
      ...(f.rcv ? { receiver: f.rcv } : {}),
      state,
      at: Number(f.at) || 0,
      ...(f.rsn ? { reason: f.rsn } : {}),
    },
  };
}

/**
 * Puts receipts into the inbox (one pipelined round trip): what a provider callback or a pull
 * got is durable in Redis before the provider is answered, and matched off the request path.
 *
 * @example await addReceipts(redis, keys, 2, [{ providerMessageId: 'sn-1', receiver: '+86…', state: 'delivered', at }]);
 */
export async function addReceipts(
  redis: Pick<Redis, 'pipeline'>,
  keys: Keys,
  accountId: number,
  receipts: readonly Receipt[],
): Promise<number> {
  if (receipts.length === 0) return 0;
  const p = redis.pipeline();
  for (const receipt of receipts)
    p.xadd(keys.receipts(), '*', ...encodeReceipt({ accountId, receipt, tries: 0 }));
  const res = (await p.exec()) ?? [];
  const failed = res.find(([err]) => err);
  if (failed) throw failed[0];
  return receipts.length;
}
