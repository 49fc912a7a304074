import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Receipt } from '../channels/definition.ts';
import type { ChannelOperations } from '../channels/operations.ts';
import { AppError, errors } from '../domain/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { errorResponses, TAGS } from './openapi.ts';

/** Where a callback's receipts go (pkg/receipts' inbox, matched to their messages off the request). */
export type RecordReceipts = (accountId: number, receipts: readonly Receipt[]) => Promise<number>;

// The body is the provider's own (JSON, a form, XML…): documented as any, read raw by the handler.
const anyBody = { description: 'As the provider sends it' };

const callbackRoute = createRoute({
  method: 'post',
  path: '/v1/callbacks/{channel}/{provider}/{accountId}/{token}',
  tags: [TAGS.callbacks],
  summary: "A provider's receipt push",
  description:
    'Needs no bearer (providers cannot send one): the per-account token in the path (shown in ' +
    "the account's answer, rotatable) is checked first, then the request is verified as the " +
    'provider signs it. The receipts are stored before the provider gets its ack, in the form ' +
    'the provider expects (JSON for most, a bare word for some).',
  middleware: [
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', 413, 'callback body larger than 1 MiB');
      },
    }),
  ] as const,
  request: {
    params: z.object({
      channel: z.string().openapi({ example: 'sms' }),
      provider: z.string().openapi({ example: 'tencent' }),
      accountId: z.string().openapi({ example: '3' }),
      token: z.string().openapi({ description: "The account's callbackToken" }),
    }),
    body: {
      required: false,
      content: {
        'application/json': { schema: anyBody },
        'application/x-www-form-urlencoded': { schema: anyBody },
        'text/plain': { schema: anyBody },
      },
    },
  },
  responses: {
    200: {
      description: "The provider's expected ack",
      content: {
        'application/json': { schema: z.unknown().openapi({ example: { result: 0, errmsg: 'OK' } }) },
        'text/plain': { schema: z.string().openapi({ example: 'SUCCESS' }) },
      },
    },
    ...errorResponses({
      401: 'The provider signature does not verify (CALLBACK_REJECTED)',
      404: 'Unknown account, token or provider, or a provider without callbacks',
      413: 'Body larger than 1 MiB',
    }),
  },
});

/**
 * `POST /v1/callbacks/<channel>/<provider>/<accountId>/<token>`: a provider's receipts. Needs no
 * bearer (providers cannot send one): the per-account token in the path is checked first, then
 * the provider verifies the request as it signs it. A wrong token, account or provider answers
 * 404 (nothing about the account leaks); a bad signature 401. The receipts are put into the
 * receipts inbox (durable in Redis) before the provider gets its ack, and each becomes the
 * message's `delivered` / `read` / `failed` event once matched (repeats change nothing).
 *
 * @example app.route('/', callbackRoutes({ ops, checkToken, accountOf, recordReceipts, log }));
 */
export function callbackRoutes(deps: {
  ops: ChannelOperations;
  checkToken: (accountId: number, token: string) => Promise<boolean>;
  accountOf: (accountId: number) => Promise<{ channel: string; provider: string } | undefined>;
  recordReceipts: RecordReceipts;
  log: Logger;
}): OpenAPIHono {
  const r = new OpenAPIHono();
  r.openapi(callbackRoute, async (c) => {
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
    await deps.recordReceipts(accountId, got.receipts);
    deps.log.info({ accountId, receipts: got.receipts.length }, 'provider receipts received');
    const { status, body: reply } = got.reply;
    // Providers expect their own ack: JSON for most, a bare word for some (Yunpian: SUCCESS).
    return typeof reply === 'string' ? c.text(reply, status as 200) : c.json(reply as object, status as 200);
  });
  return r;
}
