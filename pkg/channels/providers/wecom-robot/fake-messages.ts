import { createHash } from 'node:crypto';

/**
 * Test-only (imported by fake.ts alone): the message rules the fake robot applies to a `send` body, with WeCom's codes
 * (PROVIDERS.md §6.2–6.3; codes from WeCom's global table ◐; the text limit's code is ❓, WeCom
 * documents the 2048 bytes but not what it answers past them, so the fake answers as it does
 * for markdown, whose 40058 answer is widely observed).
 */

/** A refusal of the fake: WeCom's errcode and the start of its errmsg. */
export type Refusal = Readonly<{ errcode: number; errmsg: string }>;

export const MESSAGE_CODES = Object.freeze({
  badMsgtype: 40008,
  emptyContent: 44004,
  invalidParam: 40058,
  badImageType: 40004,
  badImageSize: 40009,
  articleCount: 45008,
  noTitle: 41016,
  noUrl: 41010,
  noMediaId: 41006,
  badMediaId: 40007,
});

const refuse = (errcode: number, errmsg: string): Refusal => ({ errcode, errmsg });
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const strings = (v: unknown) =>
  v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

const content = (o: Record<string, unknown>, type: string, max: number): Refusal | undefined => {
  if (typeof o.content !== 'string' || o.content === '') {
    return refuse(MESSAGE_CODES.emptyContent, 'empty content');
  }
  if (bytes(o.content) > max) {
    return refuse(MESSAGE_CODES.invalidParam, `${type}.content exceed max length ${max}`);
  }
  return undefined;
};

const text = (o: Record<string, unknown>): Refusal | undefined => {
  if (!strings(o.mentioned_list) || !strings(o.mentioned_mobile_list)) {
    return refuse(MESSAGE_CODES.invalidParam, 'mentioned_list must be a list of strings');
  }
  return content(o, 'text', 2048);
};

const image = (o: Record<string, unknown>): Refusal | undefined => {
  if (typeof o.base64 !== 'string' || typeof o.md5 !== 'string') {
    return refuse(MESSAGE_CODES.invalidParam, 'image needs base64 and md5');
  }
  if (o.base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(o.base64)) {
    return refuse(MESSAGE_CODES.invalidParam, 'invalid base64');
  }
  const raw = Buffer.from(o.base64, 'base64');
  if (raw.length > 2 * 1024 * 1024) return refuse(MESSAGE_CODES.badImageSize, 'invalid image size');
  if (createHash('md5').update(raw).digest('hex') !== o.md5.toLowerCase()) {
    return refuse(MESSAGE_CODES.invalidParam, 'image md5 not match');
  }
  const png = raw.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = raw[0] === 0xff && raw[1] === 0xd8 && raw[2] === 0xff;
  return png || jpeg ? undefined : refuse(MESSAGE_CODES.badImageType, 'invalid image type, jpg or png only');
};

const news = (o: Record<string, unknown>): Refusal | undefined => {
  const articles = o.articles;
  if (!Array.isArray(articles) || articles.length < 1 || articles.length > 8) {
    return refuse(MESSAGE_CODES.articleCount, 'articles count must be 1 to 8');
  }
  for (const a of articles) {
    if (!isObject(a) || typeof a.title !== 'string' || a.title === '') {
      return refuse(MESSAGE_CODES.noTitle, 'missing title');
    }
    if (typeof a.url !== 'string' || a.url === '') return refuse(MESSAGE_CODES.noUrl, 'missing url');
  }
  return undefined;
};

const file = (o: Record<string, unknown>, mediaOk: (id: string) => boolean): Refusal | undefined => {
  if (typeof o.media_id !== 'string' || o.media_id === '') {
    return refuse(MESSAGE_CODES.noMediaId, 'missing media_id');
  }
  return mediaOk(o.media_id) ? undefined : refuse(MESSAGE_CODES.badMediaId, 'invalid media_id');
};

/**
 * Why WeCom would refuse this `send` body, or undefined when it takes it. `mediaOk` says whether
 * a media_id belongs to the posting robot and has not expired.
 *
 * @example checkMessage({ msgtype: 'text', text: { content: '' } }, () => false) // { errcode: 44004, … }
 */
export function checkMessage(
  body: Record<string, unknown>,
  mediaOk: (id: string) => boolean,
): Refusal | undefined {
  const type = typeof body.msgtype === 'string' ? body.msgtype : '';
  const o = body[type];
  if (!['text', 'markdown', 'image', 'news', 'file'].includes(type) || !isObject(o)) {
    return refuse(MESSAGE_CODES.badMsgtype, 'invalid message type');
  }
  switch (type) {
    case 'text':
      return text(o);
    case 'markdown':
      return content(o, 'markdown', 4096);
    case 'image':
      return image(o);
    case 'news':
      return news(o);
    default:
      return file(o, mediaOk);
  }
}
