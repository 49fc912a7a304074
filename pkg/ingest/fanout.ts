import { createHash } from 'node:crypto';
import { catalog } from '../channels/catalog.ts';
import { groupReceiver, MAX_MENTIONS, NO_MENTION } from '../channels/group-post.ts';
import type { Delivery } from '../domain/delivery.ts';
import { AppError } from '../domain/errors.ts';
import { idFrom, newId } from '../domain/ids.ts';
import { providerForm } from '../domain/receivers.ts';
import { missingVariables } from '../domain/render.ts';
import type { Template } from '../domain/template.ts';
import { isTimeZone } from '../domain/timezone.ts';
import { MAX_DELIVERIES_PER_REQUEST, type SendBody } from './schemas.ts';

/**
 * Pure fan-out of a validated send body into deliveries, one per receiver, in receiver order —
 * except for group robots (`groupPost` providers), where each message is one delivery: one post
 * to the account's group mentioning the message's receivers (pkg/channels/group-post.ts).
 * Throws 422 listing every invalid receiver and every message with missing variables, so a bad
 * request enqueues nothing. With a `seed` (idempotency key), ids are derived from it and
 * `firstAt`, so a retried request reproduces the same ids.
 *
 * @example
 * const { requestId, deliveries } = fanOut(template, body, { now: Date.now(), traceparent: '' });
 */
export function fanOut(
  template: Template,
  body: SendBody,
  opts: { now: number; traceparent: string; seed?: string; firstAt?: number; appId?: number },
): { requestId: string; deliveries: Delivery[] } {
  const total = body.messages.reduce((n, m) => n + m.receivers.length, 0);
  if (total > MAX_DELIVERIES_PER_REQUEST) {
    throw new AppError(
      'TOO_MANY_DELIVERIES',
      422,
      `a request may fan out to at most ${MAX_DELIVERIES_PER_REQUEST} deliveries, this one has ${total}`,
    );
  }
  const invalid: { path: string; receiver: string }[] = [];
  const missing: { path: string; missing: string[] }[] = [];
  const group = catalog.postsToGroup(template.channel);
  body.messages.forEach((m, i) => {
    m.receivers.forEach((r, j) => {
      const ok = group && r === NO_MENTION ? true : catalog.isValidReceiver(template.channel, r);
      if (!ok) invalid.push({ path: `messages.${i}.receivers.${j}`, receiver: r });
    });
    if (group && m.receivers.length > MAX_MENTIONS) {
      invalid.push({
        path: `messages.${i}.receivers`,
        receiver: `${m.receivers.length} mentions (at most ${MAX_MENTIONS})`,
      });
    }
    const gaps = missingVariables(template.content, m.variables);
    if (gaps.length) missing.push({ path: `messages.${i}.variables`, missing: gaps });
    if (m.timezone && !isTimeZone(m.timezone)) {
      throw new AppError('VALIDATION_FAILED', 422, `messages.${i}.timezone: unknown time zone ${m.timezone}`);
    }
  });
  if (invalid.length) {
    throw new AppError(
      'INVALID_RECEIVERS',
      422,
      `${invalid.length} receiver(s) are not valid for channel ${template.channel}`,
      { invalid: invalid.slice(0, 100) },
    );
  }
  if (missing.length) {
    const names = [...new Set(missing.flatMap((m) => m.missing))];
    throw new AppError('MISSING_VARIABLES', 422, `missing template variables: ${names.join(', ')}`, {
      messages: missing,
    });
  }

  const at = opts.firstAt ?? opts.now;
  const idOf = (n: number) =>
    opts.seed === undefined
      ? newId(at)
      : idFrom(at, createHash('sha256').update(`${opts.seed}:${n}`).digest());
  const requestId = idOf(-1);
  const deliveries: Delivery[] = [];
  body.messages.forEach((m) => {
    // A group post is one delivery whatever it mentions; others are one per receiver.
    const receivers = group ? [groupReceiver(m.receivers)] : m.receivers;
    for (const r of receivers) {
      deliveries.push({
        id: idOf(deliveries.length),
        requestId,
        templateId: template.id,
        channel: template.channel,
        messageType: template.messageType,
        receiver: group ? r : providerForm(template.channel, r),
        variables: m.variables,
        bizId: m.bizId ?? '',
        attempt: 1,
        traceparent: opts.traceparent,
        acceptedAt: at,
        ...(m.timezone ? { timezone: m.timezone } : {}),
        ...(opts.appId === undefined ? {} : { appId: opts.appId }),
      });
    }
  });
  return { requestId, deliveries };
}
