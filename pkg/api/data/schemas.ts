import { z } from '@hono/zod-openapi';
import { STATES } from '../../domain/states.ts';
import { isDay } from '../../stats/buckets.ts';

/**
 * Schemas of the data API (OpenAPI components): `dayParam` validates query days, the others
 * describe answers.
 *
 * @example const q = z.object({ day: dayParam.optional() });
 */
const state = z.enum(STATES);
const counts = z.record(z.string(), z.number().int()).openapi({ example: { sent: 9, failed: 1 } });
const iso = z.string().openapi({ format: 'date-time' });

/** Years a query day may name: stats exist for none outside, and date arithmetic stays in range. */
export const DAY_YEARS = Object.freeze({ min: 2000, max: 2999 });

export const dayParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine(isDay, 'not a calendar date')
  .refine((d) => {
    const y = Number(d.slice(0, 4));
    return y >= DAY_YEARS.min && y <= DAY_YEARS.max;
  }, `year outside ${DAY_YEARS.min}-${DAY_YEARS.max}`)
  .openapi({ example: '2026-11-23' });

export const messageTraceSchema = z
  .object({
    messageId: z.string(),
    templateId: z.number().int(),
    templateVersion: z.number().int().nullable().openapi({ description: 'Version accepted with' }),
    receiver: z.string(),
    channel: z.string(),
    messageType: z.string(),
    appId: z.number().int().nullable().openapi({ description: 'The sending app' }),
    requestId: z.string().nullable(),
    bizId: z.string().nullable(),
    accountId: z.number().int().nullable().openapi({ description: 'Account of the last attempt' }),
    provider: z.string().nullable().openapi({ description: 'Provider of the last attempt' }),
    state,
    timeline: z.array(z.object({ state, at: iso, reason: z.string() })),
  })
  .openapi('MessageTrace', {
    description: 'No rendered content: personal data stays out of traces.',
  });

export const messageListSchema = z
  .object({ items: z.array(messageTraceSchema), total: z.number().int() })
  .openapi('MessageList');

export const receiverMessagesSchema = z
  .object({
    receiver: z.string(),
    day: z.string(),
    items: z.array(
      z.object({
        messageId: z.string(),
        templateId: z.number().int(),
        channel: z.string(),
        state,
        at: iso,
        reason: z.string(),
        acceptedAt: iso,
      }),
    ),
    total: z.number().int(),
  })
  .openapi('ReceiverMessages');

export const templateStatsSchema = z
  .object({
    templateId: z.number().int(),
    from: z.string(),
    to: z.string(),
    days: z.array(z.object({ day: z.string(), counts })),
    hours: z.array(z.object({ hour: z.string(), counts })).optional(),
  })
  .openapi('TemplateStats');
