import type { FakeReply } from '../../../testkit/fake-http.ts';
import {
  extendFake,
  fakeTemplateId,
  newMsgid,
  OPENID_SHAPE,
  sentReply,
  startWechatFake,
  type WechatFake,
  type WechatFakeOptions,
  wechatError,
} from '../wechat-api/fake.ts';
import { keywordValueOk } from '../wechat-api/fake-rules.ts';
import { SUBSCRIBE_SEND_PATH } from './client.ts';
import { MINIPROGRAM_LANGS, MINIPROGRAM_STATES } from './content.ts';

/**
 * Test-only: a fake mini program API (never imported by production code) on the WeChat fake base
 * (tokens, injected failures). `message/subscribe/send` checks what the sendMessage page says
 * WeChat checks (PROVIDERS.md §10): the openid's shape (40003), a subscribe template of the mini
 * program (40037), `miniprogram_state`/`lang` values, every keyword of the template with a
 * `{ value }` obeying its type's rule (47003 naming the field), a page of the released build
 * (41030, formal state only), and a subscription left for that user and template (43101):
 * a one-time grant is used up by the message it allows.
 */

/** A subscribe message WeChat accepted. */
export type FakeSubscribeMessage = Readonly<{
  msgid: string;
  touser: string;
  templateId: string;
  data: Readonly<Record<string, string>>;
  body: Readonly<Record<string, unknown>>;
  at: number;
}>;

export type WechatMiniprogramFake = WechatFake &
  Readonly<{
    /** The default template's id (keywords `thing1`, `phrase2`, `time3`). */
    templateId: string;
    /** Template id → its keyword names. */
    templates: Map<string, readonly string[]>;
    /** The user accepts `times` more messages of `templateId` (one-time grants; `Infinity`: long-term). */
    subscribe(openid: string, templateId: string, times?: number): void;
    /** Messages of `templateId` the user still accepts. */
    grantsLeft(openid: string, templateId: string): number;
    /** Accepted messages in arrival order. */
    messages: FakeSubscribeMessage[];
  }>;

export type WechatMiniprogramFakeOptions = WechatFakeOptions &
  Readonly<{
    /** Extra templates: id → keyword names. */
    templates?: Readonly<Record<string, readonly string[]>>;
    /** Pages of the released build (`pages/index/index`); absent: every page exists. */
    pages?: readonly string[];
  }>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startWechatMiniprogramFake({ pages: ['pages/index/index'] });
 * fake.subscribe(openid, fake.templateId);  // one message allowed
 * // content: { templateId: fake.templateId, data: { thing1: 'Tea', phrase2: '已发货', time3: '15:01' } }
 * await fake.close();
 */
export async function startWechatMiniprogramFake(
  opts: WechatMiniprogramFakeOptions = {},
): Promise<WechatMiniprogramFake> {
  const now = opts.now ?? Date.now;
  const templateId = fakeTemplateId();
  const templates = new Map<string, readonly string[]>([
    [templateId, ['thing1', 'phrase2', 'time3']],
    ...Object.entries(opts.templates ?? {}),
  ]);
  const pages = opts.pages ? new Set(opts.pages.map((p) => p.replace(/^\/+/, ''))) : undefined;
  const grants = new Map<string, number>(); // `${openid}\n${templateId}` → messages left
  const messages: FakeSubscribeMessage[] = [];
  const grantKey = (openid: string, tid: string) => `${openid}\n${tid}`;

  const send = (body: Readonly<Record<string, unknown>>): FakeReply => {
    const touser = body.touser;
    if (typeof touser !== 'string' || !OPENID_SHAPE.test(touser)) return wechatError(40003, 'invalid openid');
    const tid = body.template_id;
    const keys = typeof tid === 'string' ? templates.get(tid) : undefined;
    if (typeof tid !== 'string' || !keys) return wechatError(40037, 'invalid template id');
    const state = body.miniprogram_state ?? 'formal';
    if (!(MINIPROGRAM_STATES as readonly unknown[]).includes(state)) {
      return wechatError(47003, 'argument invalid! miniprogram_state invalid');
    }
    if (body.lang !== undefined && !(MINIPROGRAM_LANGS as readonly unknown[]).includes(body.lang)) {
      return wechatError(47003, 'argument invalid! lang invalid');
    }
    const data = body.data;
    if (!isObject(data)) return wechatError(47003, 'argument invalid! data invalid');
    const values: Record<string, string> = {};
    for (const k of keys) {
      const entry = data[k];
      const value = isObject(entry) ? entry.value : undefined;
      if (!keywordValueOk(k, value)) return wechatError(47003, `argument invalid! data.${k}.value invalid`);
      values[k] = value as string;
    }
    if (body.page !== undefined) {
      const path = typeof body.page === 'string' ? body.page.split('?')[0]!.replace(/^\/+/, '') : '';
      if (!path || (state === 'formal' && pages && !pages.has(path)))
        return wechatError(41030, 'invalid page');
    }
    const left = grants.get(grantKey(touser, tid)) ?? 0;
    if (left <= 0) return wechatError(43101, 'user refuse to accept the msg');
    grants.set(grantKey(touser, tid), left - 1);
    const m = Object.freeze({
      msgid: newMsgid(),
      touser,
      templateId: tid,
      data: Object.freeze(values),
      body,
      at: now(),
    });
    messages.push(m);
    return sentReply(m.msgid);
  };

  const base = await startWechatFake(opts, { [SUBSCRIBE_SEND_PATH]: (_req, body) => send(body) });
  const fake = extendFake(base, {
    templateId,
    templates,
    messages,
    subscribe(openid: string, tid: string, times = 1) {
      grants.set(grantKey(openid, tid), (grants.get(grantKey(openid, tid)) ?? 0) + times);
    },
    grantsLeft: (openid: string, tid: string) => grants.get(grantKey(openid, tid)) ?? 0,
  });
  return fake;
}
