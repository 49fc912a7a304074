import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { CHANNELS, MESSAGE_TYPES } from '../domain/channels.ts';
import { JSON_LIMITS, refineJsonLimits } from '../domain/limits.ts';
import { isTimeZone } from '../domain/timezone.ts';

/**
 * Pure validation of template fields (everything except the account lookup, which needs the
 * database). One schema serves creation and, applied to the merged result, updates, so both
 * report the same field names (`content.subject`, `cron`, `timezone`).
 */

export const TEMPLATE_STATUSES = ['active', 'paused'] as const;
export const SHIELD_POLICIES = ['none', 'drop', 'delay'] as const;
export const SENSITIVE_POLICIES = ['none', 'mask', 'block'] as const;

/**
 * Why a cron expression is invalid, or undefined when it parses (in `tz` when given).
 *
 * @example cronProblem('*\/5 * * * *') // undefined
 */
export function cronProblem(expr: string, tz?: string | null): string | undefined {
  try {
    CronExpressionParser.parse(expr, tz ? { tz } : {});
    return undefined;
  } catch (err) {
    return `invalid cron expression: ${(err as Error).message}`;
  }
}

const fields = {
  name: z.string().trim().min(1).max(128),
  channel: z.enum(CHANNELS),
  messageType: z.enum(MESSAGE_TYPES),
  accountId: z.number().int().positive().max(2_147_483_647),
  content: z
    .custom<unknown>((v) => v !== undefined, { message: 'content is required' })
    .superRefine(refineJsonLimits(JSON_LIMITS.content)),
  status: z.enum(TEMPLATE_STATUSES),
  shield: z.enum(SHIELD_POLICIES),
  timezone: z.string().trim().min(1).max(64).nullable(),
  cron: z.string().trim().min(1).max(128).nullable(),
  description: z.string().max(512).nullable(),
  appId: z.number().int().positive().max(2_147_483_647),
  sharedWithApps: z
    .array(z.number().int().positive().max(2_147_483_647))
    .max(100)
    .transform((ids) => [...new Set(ids)].sort((a, b) => a - b)),
  sensitive: z.enum(SENSITIVE_POLICIES),
};

/**
 * Body of a template creation: defaults filled, content validated for the channel and
 * normalised, time zone and cron checked.
 *
 * @example templateCreateSchema.parse({ name: 'w', channel: 'sandbox', messageType: 'notice',
 *   accountId: 1, content: { text: 'Hi' } }).shield // 'none'
 */
export const templateCreateSchema = z
  .object({
    ...fields,
    accountId: fields.accountId.nullable().default(null),
    status: fields.status.default('active'),
    shield: fields.shield.default('none'),
    timezone: fields.timezone.default(null),
    cron: fields.cron.default(null),
    description: fields.description.default(null),
    sharedWithApps: fields.sharedWithApps.default([]),
    sensitive: fields.sensitive.default('none'),
  })
  .transform((t, ctx) => {
    if (t.timezone !== null && !isTimeZone(t.timezone)) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'not an IANA time zone' });
    }
    const cron =
      t.cron === null
        ? undefined
        : cronProblem(t.cron, t.timezone && isTimeZone(t.timezone) ? t.timezone : null);
    if (cron) ctx.addIssue({ code: 'custom', path: ['cron'], message: cron });
    // Content is checked against the schema of the account's provider (templates.ts), which
    // needs the account row.
    return t;
  });

/**
 * Body of a template update: any subset of the creation fields (checked again once merged).
 *
 * @example templateUpdateSchema.parse({ status: 'paused' })
 */
export const templateUpdateSchema = z.object({
  name: fields.name.optional(),
  channel: fields.channel.optional(),
  messageType: fields.messageType.optional(),
  accountId: fields.accountId.nullable().optional(),
  content: z.unknown().superRefine(refineJsonLimits(JSON_LIMITS.content)).optional(),
  status: fields.status.optional(),
  shield: fields.shield.optional(),
  timezone: fields.timezone.optional(),
  cron: fields.cron.optional(),
  description: fields.description.optional(),
  appId: fields.appId.optional(),
  sharedWithApps: fields.sharedWithApps.optional(),
  sensitive: fields.sensitive.optional(),
});

export type TemplateCreate = z.input<typeof templateCreateSchema>;
export type TemplateFields = z.output<typeof templateCreateSchema>;
export type TemplateUpdate = z.input<typeof templateUpdateSchema>;
