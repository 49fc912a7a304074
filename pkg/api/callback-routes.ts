import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ChannelOperations } from '../channels/operations.ts';
import { AppError, errors } from '../domain/errors.ts';
import type { State } from '../domain/states.ts';
import type { Logger } from '../telemetry/logger.ts';

/** What a receipt does to its message (pkg/lifecycle's `receipt`). */
export type RecordReceipt = (messageId: string, state: State, at: number, reason: string) => Promise<boolean>;

/**
 * `POST /v1/callbacks/<channel>/<provider>/<accountId>/<token>`: a provider's receipts. Needs no
 * bearer (providers cannot send one): the per-account token in the path is checked first, then
 * the provider verifies the request as it signs it. A wrong token, account or provider answers
 * 404 (nothing about the account leaks); a bad signature 401. Each receipt becomes the message's
 * `delivered` / `read` / `failed`-receipt event; unknown messages are counted, not failed, so a
 * provider never retries a callback forever over one stale id.
 *
 * @example app.route('/', callbackRoutes({ ops, checkToken, accountOf, recordReceipt, log }));
 */
export function callbackRoutes(deps: {
  ops: ChannelOperations;
  checkToken: (accountId: number, token: string) => Promise<boolean>;
  accountOf: (accountId: number) => Promise<{ channel: string; provider: string } | undefined>;
  recordReceipt: RecordReceipt;
  log: Logger;
}): Hono {
  const r = new Hono();
  r.post(
    '/v1/callbacks/:channel/:provider/:accountId/:token',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', 413, 'callback body larger than 1 MiB');
      },
    }),
    async (c) => {
      const { channel, provider, token } = c.req.param();
      const accountId = Number(c.req.param('accountId'));
      const missing = () => errors.notFound('callback route', `${channel}/${provider}`);
      if (!Number.isInteger(accountId) || accountId <= 0 || !(await deps.checkToken(accountId, token))) {
        throw missing();
      }
      const account = await deps.accountOf(accountId);
      if (!account || account.channel !== channel || account.provider !== provider) throw missing();
      const body = await c.req.text();
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const got = await deps.ops.callback(accountId, { headers, query: c.req.query(), body });
      if (got === undefined || got === 'unsupported') throw missing();
      if ('ok' in got) throw new AppError('CALLBACK_REJECTED', 401, got.message);
      let matched = 0;
      for (const receipt of got.receipts) {
        const messageId = receipt.messageId ?? receipt.providerMessageId;
        if (await deps.recordReceipt(messageId, receipt.state, receipt.at, receipt.reason ?? '')) matched++;
      }
      deps.log.info({ accountId, receipts: got.receipts.length, matched }, 'provider receipts received');
      return c.json(got.reply.body as object, got.reply.status as 200);
    },
  );
  return r;
}
