import type { ProviderDefinition } from '../../definition.ts';
import { createSmtpClient } from './client.ts';
import { type EmailContent, emailContent, type SmtpConfig, smtpConfig } from './schema.ts';

export { type EmailContent, emailContent, type SmtpConfig, smtpConfig };

/**
 * Email over SMTP (nodemailer): one pooled transport per account, one mail per receiver.
 *
 * @example
 * // account: { "channel": "email", "provider": "smtp",
 * //   "config": { "host": "smtp.x.com", "port": 587, "user": "u", "pass": "…", "from": "no-reply@x.com" } }
 */
export const smtp: ProviderDefinition<SmtpConfig, EmailContent> = {
  channel: 'email',
  provider: 'smtp',
  title: 'Email (SMTP)',
  config: smtpConfig,
  content: emailContent,
  receivers: ['email'],
  // SMTP answers are classified by reply-code class (errors.ts), not by a code table.
  errors: {},
  capabilities: { testConnection: true },
  // A 4xx for one mailbox (greylisting, busy) says nothing about the server; a broken connection
  // or 421 "service not available" does.
  tripsBreaker: (f) => f.code === 'SMTP_CONN' || f.code === 'SMTP_421',
  create: (config) => createSmtpClient(config),
};
