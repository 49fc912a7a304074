import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { failingSender } from './failing.ts';
import { classifySmtpError, type SmtpErrorLike } from './smtp-outcome.ts';
import type { ChannelSender, SenderAccount, SenderFactory, SendOutcome } from './types.ts';

/**
 * An SMTP account's config (stored sealed in the accounts table). Numbers may arrive as strings
 * from forms, so they are coerced. Timeouts are much shorter than nodemailer's defaults (minutes):
 * a stuck server should turn into a retry, not a handler slot held for ten minutes.
 */
export const emailConfigSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535),
  /** Implicit TLS (port 465). Default: true exactly when port is 465; else STARTTLS if offered. */
  secure: z.boolean().optional(),
  user: z.string().min(1).optional(),
  pass: z.string().optional(),
  from: z.string().min(3),
  /** Max pooled connections of this account. */
  pool: z.coerce.number().int().min(1).max(100).default(5),
  rejectUnauthorized: z.boolean().default(true),
  requireTLS: z.boolean().default(false),
  /** Never upgrade to TLS even when the server offers STARTTLS (local relays only). */
  ignoreTLS: z.boolean().default(false),
  connectionTimeoutMs: z.coerce.number().int().min(100).max(300_000).default(10_000),
  socketTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(60_000),
});

export type EmailAccountConfig = z.infer<typeof emailConfigSchema>;

const emailContentSchema = z.object({
  subject: z.string(),
  html: z.string().optional(),
  text: z.string().optional(),
});

/**
 * Validates an SMTP account config; the issues name fields, never values (values hold the password).
 *
 * @example parseEmailConfig({ host: 'smtp.x.com', port: 587, from: 'no-reply@x.com' }).ok // true
 */
export function parseEmailConfig(
  config: unknown,
): { ok: true; config: EmailAccountConfig } | { ok: false; message: string } {
  const r = emailConfigSchema.safeParse(config);
  if (r.success) return { ok: true, config: r.data };
  const first = r.error.issues[0];
  return { ok: false, message: `invalid smtp account config: ${first?.path.join('.') || '(root)'}` };
}

/** The deterministic Message-ID of a delivery: a resend after a crash carries the same id. */
export const emailMessageId = (messageId: string): string => `<${messageId}@pushline>`;

/**
 * Email over SMTP (nodemailer), one pooled transport per account. One mail per delivery with
 * only that delivery's receiver in To (receivers never see each other); subject, html and text
 * come from the already-rendered content. The Message-ID is derived from the message id, so a
 * receiving system can drop a duplicate left by a crash between "accepted by SMTP" and "recorded
 * sent". Never throws for provider failures: reply codes are classified by {@link classifySmtpError}.
 *
 * @example
 * const sender = createEmailSender({ id: 1, channel: 'email', provider: 'smtp', updatedAt: 0,
 *   config: { host: '127.0.0.1', port: 2525, from: 'no-reply@x.com' } });
 * const outcome = await sender.send({ delivery, template, content: { subject: 'Hi', text: 'Hello' }, account });
 * await sender.close?.();
 */
export const createEmailSender: SenderFactory = (account: SenderAccount): ChannelSender => {
  const parsed = parseEmailConfig(account.config);
  if (!parsed.ok) return failingSender('ACCOUNT_CONFIG_INVALID', parsed.message);
  const cfg = parsed.config;
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: cfg.pool,
    // One connection carries any number of messages; the pool only reconnects when a server hangs up.
    maxMessages: Number.POSITIVE_INFINITY,
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure ?? cfg.port === 465,
    requireTLS: cfg.requireTLS,
    ignoreTLS: cfg.ignoreTLS,
    ...(cfg.user ? { auth: { user: cfg.user, pass: cfg.pass ?? '' } } : {}),
    tls: { rejectUnauthorized: cfg.rejectUnauthorized },
    connectionTimeout: cfg.connectionTimeoutMs,
    greetingTimeout: cfg.connectionTimeoutMs,
    socketTimeout: cfg.socketTimeoutMs,
    // nodemailer's own logging could print the AUTH exchange; it stays off.
    logger: false,
    debug: false,
    getSocket: noDelaySocket(cfg.connectionTimeoutMs),
  } as Parameters<typeof nodemailer.createTransport>[0]);
  // A pooled transport emits 'error' when an idle connection breaks; sends report their own errors.
  transport.on('error', () => {});

  return {
    async send(req): Promise<SendOutcome> {
      const content = emailContentSchema.safeParse(req.content);
      if (!content.success || !(content.data.html || content.data.text)) {
        return {
          ok: false,
          retryable: false,
          code: 'CONTENT_INVALID',
          message: 'email content needs a subject and html or text',
        };
      }
      const { subject, html, text } = content.data;
      const id = req.delivery.id;
      try {
        const info = await transport.sendMail({
          from: cfg.from,
          to: req.delivery.receiver,
          subject,
          ...(html ? { html } : {}),
          ...(text ? { text } : {}),
          messageId: emailMessageId(id),
          headers: { 'X-Push-Message-Id': id },
        });
        return { ok: true, providerMessageId: info.messageId || emailMessageId(id) };
      } catch (err) {
        return classifySmtpError((err ?? {}) as SmtpErrorLike);
      }
    },
    async close() {
      transport.close();
    },
  };
};

/**
 * Opens pool connections with Nagle's algorithm off. nodemailer's own sockets keep it on, and
 * SMTP's short command/reply turns then wait on the peer's delayed ACK (~40 ms) per message: a
 * pooled connection topped out near 25 mails/s; without the stall it carries hundreds. TLS
 * (`secure`) is still negotiated by nodemailer over the socket handed back.
 */
function noDelaySocket(timeoutMs: number) {
  return (
    options: { host?: string; port?: number },
    callback: (err: Error | null, socket?: { connection: Socket }) => void,
  ): void => {
    const socket = connect({ host: options.host ?? 'localhost', port: options.port ?? 25, noDelay: true });
    const timer = setTimeout(() => socket.destroy(new Error('Connection timeout')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      callback(null, { connection: socket });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      callback(Object.assign(err, { code: (err as NodeJS.ErrnoException).code ?? 'ECONNECTION' }));
    });
  };
}
