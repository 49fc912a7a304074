import { z } from 'zod';

/**
 * The content of a push-notification template (channel `push`), shared by the push providers:
 * a notification's title and body, what a tap does, and the app icon badge. The limits are
 * GeTui's notification limits (the official SDKs' field docs: title ≤ 50, body ≤ 256, url ≤ 1024,
 * intent ≤ 4096, payload ≤ 3072 characters), the strictest among the push providers, so a
 * template saved for the channel can go through any of its accounts. Placeholders (`{$name}`)
 * may stand in every string; the limits apply again to the rendered text.
 */

/** What tapping the notification does (GeTui `click_type`). */
export const PUSH_CLICK_TYPES = ['intent', 'url', 'payload', 'startapp'] as const;
export type PushClickType = (typeof PUSH_CLICK_TYPES)[number];

/** The platform's placeholder forms (pkg/domain/render.ts). */
const PLACEHOLDER = /\{\$[A-Za-z_][\w.-]*\}|\{\{\s*[A-Za-z_][\w.-]*\s*\}\}/;

/** Length as GeTui counts it: characters (code points), not UTF-16 units or bytes. */
const length = (s: string): number => [...s].length;

/** A required string of at most `max` characters. */
const chars = (max: number) =>
  z
    .string()
    .min(1)
    .refine((s) => length(s) <= max, { message: `at most ${max} characters` })
    // A hint for forms (zod's own max counts UTF-16 units, not characters).
    .meta({ maxLength: max });

/** A tap's link: http(s), or a placeholder that renders to one. */
const url = chars(1024).refine((s) => /^https?:\/\/\S+$/i.test(s) || PLACEHOLDER.test(s), {
  message: 'an http:// or https:// link',
});

/** The icon badge: a count, or a placeholder rendering to one (`"{$unread}"`). */
const badge = z.union([
  z.int().min(0).max(99_999),
  z
    .string()
    .trim()
    .refine((s) => /^\d{1,5}$/.test(s) || PLACEHOLDER.test(s), { message: 'a count or a placeholder' })
    .transform((s) => (/^\d{1,5}$/.test(s) ? Number(s) : s)),
]);

const fields = z
  .object({
    title: chars(50),
    body: chars(256),
    /** Default: `url`, `intent` or `payload` when that field is given (in this order), else `startapp`. */
    clickType: z.enum(PUSH_CLICK_TYPES).optional(),
    url: url.optional(),
    /** An Android intent URI (`intent:#Intent;component=…;end`). */
    intent: chars(4096).optional(),
    /** Custom data the app gets when the notification is tapped (also the iOS payload). */
    payload: chars(3072).optional(),
    badge: badge.optional(),
  })
  .strict();

/** The field a click type needs. */
const NEEDS: Readonly<Record<PushClickType, 'url' | 'intent' | 'payload' | undefined>> = {
  url: 'url',
  intent: 'intent',
  payload: 'payload',
  startapp: undefined,
};

/**
 * Push content. The output always names its `clickType`; a badge left a string is a placeholder
 * (it renders to a count before sending).
 *
 * @example
 * pushContent.parse({ title: 'Order {$order}', body: 'Shipped', url: 'https://shop.test/o/{$order}', badge: '{$unread}' })
 * // { title: 'Order {$order}', body: 'Shipped', url: 'https://shop.test/o/{$order}', badge: '{$unread}', clickType: 'url' }
 * @example pushContent.parse({ title: 'Hi', body: 'Yo' }).clickType // 'startapp'
 */
export const pushContent = fields
  .superRefine((c, ctx) => {
    const need = c.clickType ? NEEDS[c.clickType] : undefined;
    if (need && c[need] === undefined) {
      ctx.addIssue({ code: 'custom', path: [need], message: `clickType ${c.clickType} needs ${need}` });
    }
  })
  .transform((c) => ({
    ...c,
    clickType:
      c.clickType ??
      (c.url !== undefined
        ? 'url'
        : c.intent !== undefined
          ? 'intent'
          : c.payload !== undefined
            ? 'payload'
            : 'startapp'),
  }));

export type PushContent = z.output<typeof pushContent>;
