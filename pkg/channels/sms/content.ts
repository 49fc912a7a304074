import { z } from 'zod';

/**
 * The content of an SMS template, shared by every SMS provider (DESIGN.md "Channel providers"):
 * the text (what Yunpian sends, and what traces and previews show) and one entry per provider
 * the template has an approved template at. Routing and failover only pick accounts whose
 * provider has an entry; placeholders (`{$code}`) may stand in every string.
 *
 * @example
 * smsContent.parse({ text: 'Your code is {$code}', providers: {
 *   tencent: { templateId: '123', params: ['{$code}'] },
 *   aliyun: { templateCode: 'SMS_1', params: { code: '{$code}' } },
 *   yunpian: {} } })
 */
export const smsContent = z.strictObject({
  /** The message text; Yunpian sends it as is (it must start with the `【signature】`). */
  text: z.string().trim().min(1).max(1000),
  providers: z
    .strictObject({
      /** Tencent Cloud: the approved template's id and its parameters in placeholder order. */
      tencent: z
        .strictObject({
          templateId: z.string().trim().min(1).max(64),
          params: z.array(z.string().max(500)).max(20).default([]),
          /** Overrides the account's `signName` for this template. */
          signName: z.string().trim().min(1).max(64).optional(),
        })
        .optional(),
      /** Alibaba Cloud: the template code and its parameters by name. */
      aliyun: z
        .strictObject({
          templateCode: z.string().trim().min(1).max(64),
          params: z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/), z.string().max(500)).default({}),
          signName: z.string().trim().min(1).max(64).optional(),
        })
        .optional(),
      /** Yunpian sends the rendered `text`; `tplId` only records which approved template it matches. */
      yunpian: z.strictObject({ tplId: z.string().trim().min(1).max(32).optional() }).optional(),
    })
    .refine((p) => Object.values(p).some((v) => v !== undefined), {
      message: 'name at least one provider (tencent, aliyun, yunpian) with its template',
    }),
});

/** A parsed SMS template content. */
export type SmsContent = z.output<typeof smsContent>;

/** The SMS providers a template can name. */
export type SmsProvider = keyof SmsContent['providers'];

/**
 * Whether the content has an entry for `provider` (the definition's `accepts`).
 *
 * @example smsAccepts('aliyun')({ text: 'x', providers: { tencent: { templateId: '1', params: [] } } }) // false
 */
export const smsAccepts =
  (provider: SmsProvider) =>
  (content: SmsContent): boolean =>
    content.providers[provider] !== undefined;
