import { z } from 'zod';
import type { Channel } from './channels.ts';

/**
 * Each channel's content model, validated when a template is saved. Strings may hold
 * placeholders (`{$name}` / `{{name}}`), rendered per delivery.
 */
const text = (max: number) => z.string().min(1).max(max);

const emailContent = z
  .object({
    subject: text(998),
    html: z.string().max(1_000_000).optional(),
    text: z.string().max(1_000_000).optional(),
  })
  .strict()
  .refine((c) => Boolean(c.html || c.text), { message: 'email content needs html or text', path: ['html'] });

const smsContent = z
  .object({
    text: text(1000).optional(),
    /** Provider-side template (Tencent/Aliyun): its id, sign name and ordered params. */
    providerTemplateId: z.string().min(1).max(64).optional(),
    signName: z.string().min(1).max(64).optional(),
    params: z.array(z.string().max(200)).max(20).optional(),
  })
  .strict()
  .refine((c) => Boolean(c.text || c.providerTemplateId), {
    message: 'sms content needs text or providerTemplateId',
    path: ['text'],
  });

const robotContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: text(5000) }).strict(),
  z.object({ type: z.literal('markdown'), title: text(200), text: text(20000) }).strict(),
  z
    .object({
      type: z.literal('link'),
      title: text(200),
      text: text(2000),
      url: text(2048),
      picUrl: z.string().max(2048).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('action_card'),
      title: text(200),
      text: text(20000),
      buttons: z
        .array(z.object({ title: text(100), url: text(2048) }).strict())
        .min(1)
        .max(10),
    })
    .strict(),
]);

/** Robots accept `{ "text": "…" }` as shorthand for `{ "type": "text", "text": "…" }`. */
const robot = z.preprocess(
  (v) => (v && typeof v === 'object' && !('type' in v) ? { type: 'text', ...(v as object) } : v),
  robotContent,
);

const wechatTemplate = z
  .object({
    templateId: text(128),
    data: z.record(z.string(), z.string().max(200)),
    url: z.string().max(2048).optional(),
    page: z.string().max(512).optional(),
  })
  .strict();

const pushContent = z
  .object({
    title: text(200),
    body: text(4000),
    data: z.record(z.string(), z.string()).optional(),
    url: z.string().max(2048).optional(),
  })
  .strict();

const webhookContent = z
  .object({
    body: z.unknown().refine((v) => v !== undefined, 'body is required'),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const sandboxContent = z
  .record(z.string(), z.unknown())
  .refine((v) => Object.keys(v).length > 0, 'content is empty');

/** The schema of each channel's template content. */
export const CONTENT_SCHEMAS: Readonly<Record<Channel, z.ZodType>> = Object.freeze({
  email: emailContent,
  sms: smsContent,
  dingtalk_robot: robot,
  dingtalk_work: robot,
  wecom_robot: robot,
  wecom_app: robot,
  feishu_robot: robot,
  wechat_official: wechatTemplate,
  wechat_miniprogram: wechatTemplate,
  push: pushContent,
  webhook: webhookContent,
  sandbox: sandboxContent,
});

export type ContentIssue = { path: string; message: string };

/**
 * Validates a template's content for its channel; returns the normalised content or the issues.
 *
 * @example validateContent('email', { subject: 'Hi', text: 'Hello {$name}' }).ok // true
 */
export function validateContent(
  channel: Channel,
  content: unknown,
): { ok: true; content: unknown } | { ok: false; issues: ContentIssue[] } {
  const r = CONTENT_SCHEMAS[channel].safeParse(content);
  if (r.success) return { ok: true, content: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: ['content', ...i.path].join('.'), message: i.message })),
  };
}
