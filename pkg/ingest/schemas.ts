import { z } from '@hono/zod-openapi';
import { JSON_LIMITS, refineJsonLimits } from '../domain/limits.ts';

/** Most deliveries (receivers, summed over messages) one send request may fan out to. */
export const MAX_DELIVERIES_PER_REQUEST = 1000;

const variables = z
  .record(z.string().max(128), z.unknown())
  .superRefine(refineJsonLimits(JSON_LIMITS.variables))
  .default({})
  .openapi({ example: { name: 'Ann' }, description: 'Values for the template placeholders' });

export const messageSchema = z
  .object({
    receivers: z
      .array(z.string().min(1).max(2048))
      .min(1)
      .max(MAX_DELIVERIES_PER_REQUEST)
      .openapi({ example: ['a@example.com'] }),
    variables,
    bizId: z.string().max(128).optional().openapi({ description: "Caller's business id (order number…)" }),
    timezone: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "Receivers' IANA time zone (quiet hours)" }),
  })
  .strict();

export const sendBodySchema = z
  .object({
    templateId: z.number().int().positive().openapi({ example: 1 }),
    messages: z.array(messageSchema).min(1).max(MAX_DELIVERIES_PER_REQUEST),
    sendAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Hold the deliveries until this time (ISO 8601)' }),
  })
  .strict()
  .openapi('SendRequest');

export type SendBody = z.infer<typeof sendBodySchema>;

export const sendResponseSchema = z
  .object({
    requestId: z.string(),
    accepted: z.number().int(),
    messageIds: z
      .array(z.string())
      .openapi({ description: 'One per receiver, in receiver order, flattened' }),
  })
  .openapi('SendResponse');

export type SendResponse = z.infer<typeof sendResponseSchema>;

export const recallBodySchema = z
  .object({
    messageIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_DELIVERIES_PER_REQUEST).optional(),
    requestId: z.string().min(1).max(64).optional(),
  })
  .strict()
  .refine((b) => Boolean(b.messageIds) !== Boolean(b.requestId), {
    message: 'give exactly one of messageIds or requestId',
  })
  .openapi('RecallRequest');

export const recallResponseSchema = z
  .object({
    results: z.array(
      z.object({
        messageId: z.string(),
        result: z.enum([
          'cancelled',
          'already_cancelled',
          'sending',
          'sent',
          'final',
          'unknown',
          'recalled',
          'already_recalled',
          'recall_refused',
          'recall_unsupported',
        ]),
        /** The provider's refusal code (`recall_refused`). */
        reason: z.string().optional(),
      }),
    ),
    cancelled: z.number().int(),
    recalled: z.number().int(),
  })
  .openapi('RecallResponse');

export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .openapi('Error');
