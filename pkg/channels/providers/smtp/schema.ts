import { z } from 'zod';
import { secret } from '../../secret.ts';

/**
 * An SMTP account's config. Numbers may arrive as strings from forms, so they are coerced.
 * Timeouts are much shorter than nodemailer's defaults (minutes): a stuck server should turn
 * into a retry, not a handler slot held for ten minutes.
 */
export const smtpConfig = z
  .object({
    host: z.string().trim().min(1).max(255),
    port: z.coerce.number().int().min(1).max(65535),
    /** Implicit TLS (port 465). Default: true exactly when port is 465; else STARTTLS if offered. */
    secure: z.boolean().optional(),
    user: z.string().max(255).optional(),
    pass: secret(z.string().max(1024).optional()),
    from: z.string().trim().min(3).max(320),
    /** Max pooled connections of this account. */
    pool: z.coerce.number().int().min(1).max(100).default(5),
    rejectUnauthorized: z.boolean().default(true),
    requireTLS: z.boolean().default(false),
    /** Never upgrade to TLS even when the server offers STARTTLS (local relays only). */
    ignoreTLS: z.boolean().default(false),
    connectionTimeoutMs: z.coerce.number().int().min(100).max(300_000).default(10_000),
    socketTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(60_000),
  })
  .strict()
  .refine((c) => !c.user || c.pass !== undefined, { message: 'pass is required with user', path: ['pass'] });

export type SmtpConfig = z.output<typeof smtpConfig>;

/** Email content: a subject and an HTML and/or text body (placeholders allowed). */
export const emailContent = z
  .object({
    subject: z.string().min(1).max(998),
    html: z.string().max(1_000_000).optional(),
    text: z.string().max(1_000_000).optional(),
  })
  .strict()
  .refine((c) => Boolean(c.html || c.text), { message: 'email content needs html or text', path: ['html'] });

export type EmailContent = z.output<typeof emailContent>;
