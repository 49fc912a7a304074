import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { classifySmtpError, type SmtpErrorLike } from './errors.ts';
import type { EmailContent, SmtpConfig } from './schema.ts';

/** The deterministic Message-ID of a delivery: a resend after a crash carries the same id. */
export const emailMessageId = (messageId: string): string => `<${messageId}@pushline>`;

/**
 * The SMTP client of one account: a pooled nodemailer transport. One mail per delivery with only
 * that delivery's receiver in To (receivers never see each other). The Message-ID is derived
 * from the message id, so a receiving system can drop a duplicate left by a crash between
 * "accepted by SMTP" and "recorded sent". Never throws for provider failures.
 *
 * @example
 * const client = createSmtpClient(smtpConfig.parse({ host: '127.0.0.1', port: 2525, from: 'a@x.com' }));
 * await client.send({ delivery, template, content: { subject: 'Hi', text: 'Hello' } });
 */
export function createSmtpClient(cfg: SmtpConfig): ProviderClient<EmailContent> {
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

  return Object.freeze({
    async send({ delivery, content }): Promise<SendOutcome> {
      const { subject, html, text } = content;
      const id = delivery.id;
      try {
        const info = await transport.sendMail({
          from: cfg.from,
          to: delivery.receiver,
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
    async testConnection() {
      try {
        await transport.verify();
        return { ok: true } as const;
      } catch (err) {
        const f = classifySmtpError((err ?? {}) as SmtpErrorLike);
        return { ok: false, code: f.code, message: f.message } as const;
      }
    },
    async close() {
      transport.close();
    },
  });
}

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
