import type {
  CallbackRequest,
  CallbackResult,
  RecallOutcome,
  RecallRequest,
  TestResult,
} from './definition.ts';
import type { SenderCache } from './registry.ts';

/**
 * What the API does with providers outside the send path: test an account's connection, recall
 * a sent message, read a provider's receipt callback. Each answers `undefined` when the account
 * does not exist, so routes can 404 without knowing about senders.
 *
 * @example
 * const ops = channelOperations(senders);
 * await ops.testAccount(3) // { ok: true } | { ok: false, code, message } | undefined
 */
export function channelOperations(senders: SenderCache) {
  return Object.freeze({
    async testAccount(accountId: number): Promise<TestResult | undefined> {
      const got = await senders.get(accountId);
      return got ? got.sender.testConnection() : undefined;
    },
    /**
     * Whether the account's provider recalls per call (a batch API whose recall takes the call's
     * id: every receiver of that call is recalled together).
     */
    async recallsPerCall(accountId: number): Promise<boolean> {
      const got = await senders.get(accountId);
      return Boolean(got?.sender.recall && (got.sender.batch ?? 1) > 1);
    },
    /** `'unsupported'` when the account's provider cannot recall. */
    async recall(accountId: number, req: RecallRequest): Promise<RecallOutcome | 'unsupported' | undefined> {
      const got = await senders.get(accountId);
      if (!got) return undefined;
      return got.sender.recall ? got.sender.recall(req) : 'unsupported';
    },
    /** `'unsupported'` when the account's provider posts no receipts to us. */
    async callback(
      accountId: number,
      req: CallbackRequest,
    ): Promise<CallbackResult | { ok: false; message: string } | 'unsupported' | undefined> {
      const got = await senders.get(accountId);
      if (!got) return undefined;
      return got.sender.callback ? got.sender.callback(req) : 'unsupported';
    },
  });
}

export type ChannelOperations = ReturnType<typeof channelOperations>;
