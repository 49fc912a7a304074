import { deadLetterCalls } from './dead-letters.ts';
import { readLiveTail } from './events.ts';
import { type ClientOptions, createHttpCore } from './http.ts';
import type {
  MessageList,
  MessageTrace,
  RecallBody,
  RecallResponse,
  ReceiverTrace,
  SandboxMessages,
  SendBody,
  SendResponse,
  SendResult,
  StreamEvent,
  TemplateStats,
} from './types.ts';

export type PushClient = ReturnType<typeof createClient>;

/**
 * A typed client of the send and data API with an app key (an app sees only its own messages).
 * The data calls work with the admin token too (every app's messages); `send` needs an app key.
 * Every failure throws a {@link PushApiError} carrying status, code, message, details and
 * retryAfter.
 *
 * @example
 * const push = createClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 * const { messageIds } = await push.send(
 *   { templateId: 1, messages: [{ receivers: ['a@x.com'], variables: { name: 'Ann' } }] },
 *   { idempotencyKey: 'order-1' },
 * );
 * const trace = await push.message(messageIds[0]!);
 */
export function createClient(opts: ClientOptions & { apiKey: string }) {
  const http = createHttpCore({
    baseUrl: opts.baseUrl,
    token: opts.apiKey,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return Object.freeze({
    /** `POST /v1/send`; `replayed` tells an idempotent replay of an earlier answer. */
    async send(
      body: SendBody,
      o: { idempotencyKey?: string; traceparent?: string } = {},
    ): Promise<SendResult> {
      const headers: Record<string, string> = {};
      if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
      if (o.traceparent) headers.traceparent = o.traceparent;
      const { data, response } = await http<SendResponse>('POST', '/v1/send', { body, headers });
      return { ...data, replayed: response.headers.get('idempotency-replay') === 'true' };
    },
    /** `POST /v1/recall` by message ids or by request id. */
    async recall(body: RecallBody): Promise<RecallResponse> {
      return (await http<RecallResponse>('POST', '/v1/recall', { body })).data;
    },
    /** `GET /v1/messages/:id` — the message's timeline. */
    async message(messageId: string): Promise<MessageTrace> {
      return (await http<MessageTrace>('GET', `/v1/messages/${encodeURIComponent(messageId)}`)).data;
    },
    /** `GET /v1/messages?requestId=` or `?bizId=` — the messages of a send or of a business id. */
    async messages(
      q: ({ requestId: string; bizId?: never } | { bizId: string; requestId?: never }) & { limit?: number },
    ): Promise<MessageList> {
      return (await http<MessageList>('GET', '/v1/messages', { query: { ...q } })).data;
    },
    /** `GET /v1/receivers/:receiver/messages?day=YYYY-MM-DD` (default day: today, platform zone). */
    async receiverMessages(
      receiver: string,
      day?: string,
      o: { limit?: number } = {},
    ): Promise<ReceiverTrace> {
      const path = `/v1/receivers/${encodeURIComponent(receiver)}/messages`;
      return (await http<ReceiverTrace>('GET', path, { query: { day, limit: o.limit } })).data;
    },
    /** `GET /v1/templates/:id/stats?from=&to=` (days `YYYY-MM-DD`, inclusive). */
    async templateStats(templateId: number, from: string, to: string): Promise<TemplateStats> {
      return (await http<TemplateStats>('GET', `/v1/templates/${templateId}/stats`, { query: { from, to } }))
        .data;
    },
    /** `GET /v1/sandbox/messages?receiver=&limit=` — what the sandbox channel delivered. */
    async sandboxMessages(q: { receiver?: string; limit?: number } = {}): Promise<SandboxMessages> {
      return (
        await http<SandboxMessages>('GET', '/v1/sandbox/messages', {
          query: { receiver: q.receiver, limit: q.limit },
        })
      ).data;
    },
    /**
     * `GET /v1/events/stream?templateId=` — the live tail of lifecycle events (Server-Sent
     * Events), first `ready`, then `lifecycle` per event. Stop with `break` or `signal`.
     *
     * @example for await (const e of push.events({ templateId: 3 })) if (e.type === 'lifecycle' && e.event.state === 'sent') break;
     */
    async *events(o: { templateId?: number; signal?: AbortSignal } = {}): AsyncGenerator<StreamEvent> {
      const res = await http.stream('GET', '/v1/events/stream', {
        query: { templateId: o.templateId },
        ...(o.signal ? { signal: o.signal } : {}),
      });
      yield* readLiveTail(res);
    },
    /** This app's dead letters: `GET|POST|DELETE /v1/dead-letters…`. */
    ...deadLetterCalls(http, '/v1/dead-letters'),
  });
}
