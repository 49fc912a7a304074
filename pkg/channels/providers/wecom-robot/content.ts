import { z } from 'zod';
import { placeholders } from '../../../domain/render.ts';
import {
  base64Length,
  decodedSize,
  FILE_MAX_BYTES,
  FILE_MIN_BYTES,
  IMAGE_MAX_BYTES,
  imageKind,
  isBase64,
  plainBase64,
} from './media.ts';

/**
 * The content of a WeCom group robot template (PROVIDERS.md §6.2; field limits from document
 * 91770). Limits are checked here, at save and again on the rendered content, rather than left
 * to WeCom, which cuts over-long titles silently and refuses the rest with an opaque 40058.
 * Bytes are UTF-8 bytes, as WeCom counts them. A string that still holds a `{$placeholder}` is
 * only checked for length at save: its value arrives when it is rendered.
 */

const templated = (s: string): boolean => placeholders(s).length > 0;

/** A required string of at most `max` UTF-8 bytes. */
const bytes = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => Buffer.byteLength(s, 'utf8') <= max, { message: `at most ${max} bytes (UTF-8)` });

const httpUrl = bytes(2048).refine((s) => templated(s) || /^https?:\/\/[^\s/]+/i.test(s), {
  message: 'an http(s) URL',
});

/** Base64 of at most `max` raw bytes (a data: prefix and line breaks are dropped first). */
const base64 = (max: number, min = 1) =>
  z.preprocess(
    (v) => (typeof v === 'string' && !templated(v) ? plainBase64(v) : v),
    z
      .string()
      .min(1)
      .max(base64Length(max))
      .superRefine((s, ctx) => {
        if (templated(s)) return;
        const size = isBase64(s) ? decodedSize(s) : undefined;
        const message =
          size === undefined
            ? 'not base64'
            : size > max
              ? `larger than ${max} bytes`
              : size < min
                ? `smaller than ${min} bytes`
                : undefined;
        if (message) ctx.addIssue({ code: 'custom', message });
      }),
  );

const textMessage = z.object({ type: z.literal('text'), text: bytes(2048) }).strict();

/** Markdown; mentions are appended as `<@userid>` (WeCom's only mention syntax in markdown). */
const markdownMessage = z.object({ type: z.literal('markdown'), content: bytes(4096) }).strict();

/** An inline JPG/PNG image; the client computes the md5 WeCom asks for. */
const imageMessage = z
  .object({
    type: z.literal('image'),
    base64: base64(IMAGE_MAX_BYTES).refine(
      (s) => templated(s) || imageKind(Buffer.from(s.slice(0, 12), 'base64')) !== undefined,
      { message: 'WeCom robots take JPG or PNG images only' },
    ),
  })
  .strict();

const article = z
  .object({
    title: bytes(128),
    description: bytes(512).optional(),
    url: httpUrl,
    /** JPG or PNG; WeCom shows 1068×455 (first article) or 150×150 best. */
    picurl: httpUrl.optional(),
  })
  .strict();

const newsMessage = z.object({ type: z.literal('news'), articles: z.array(article).min(1).max(8) }).strict();

/**
 * A file: its bytes as base64 (with a `filename`), or a URL the client downloads (through the
 * SSRF guard) before uploading it; the file's name then defaults to the URL's last segment.
 */
const fileMessage = z
  .object({
    type: z.literal('file'),
    url: httpUrl.optional(),
    base64: base64(FILE_MAX_BYTES, FILE_MIN_BYTES).optional(),
    filename: bytes(255).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.url === undefined) === (f.base64 === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a file needs either url or base64', path: ['url'] });
    } else if (f.base64 !== undefined && f.filename === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a base64 file needs a filename', path: ['filename'] });
    }
  });

const message = z.discriminatedUnion('type', [
  textMessage,
  markdownMessage,
  imageMessage,
  newsMessage,
  fileMessage,
]);

/**
 * WeCom robot content: `{ "text": "…" }` is shorthand for a text message; the others name their
 * `type` (`markdown`, `image`, `news`, `file`).
 *
 * @example wecomRobotContent.parse({ text: 'Build {$n} passed' }) // { type: 'text', text: 'Build {$n} passed' }
 * @example wecomRobotContent.parse({ type: 'file', url: 'https://files.example.com/r/{$id}.pdf' })
 */
export const wecomRobotContent = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { type: 'text', ...v } : v),
  message,
);

export type WecomRobotContent = z.output<typeof message>;
/** A file message of {@link WecomRobotContent}. */
export type WecomRobotFile = Extract<WecomRobotContent, { type: 'file' }>;
