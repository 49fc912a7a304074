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
import { TEMPLATE_SEND_PATH } from './client.ts';

/**
 * Test-only: a fake official-account API (never imported by production code) on the WeChat fake
 * base (tokens, injected failures). `message/template/send` checks what WeChat checks
 * (PROVIDERS.md §9.2, §9.3): the openid's shape (40003), a template of the account (40037), a
 * receiver that follows the account (43004), every keyword of the template present with a
 * `{ value }` that obeys its type's documented rule (47003 naming the field), the jump fields'
 * shapes, and `client_msg_id` de-duplication per openid for 10 minutes.
 */

/** A template message WeChat accepted. */
export type FakeTemplateMessage = Readonly<{
  msgid: string;
  touser: string;
  templateId: string;
  /** Keyword → value as sent. */
  data: Readonly<Record<string, string>>;
  /** The request body as sent. */
  body: Readonly<Record<string, unknown>>;
  at: number;
}>;

export type WechatOfficialFake = WechatFake &
  Readonly<{
    /** The default template's id (keywords `thing1`, `character_string2`, `time3`). */
    templateId: string;
    /** Template id → its keyword names. */
    templates: Map<string, readonly string[]>;
    /** Openids that follow the account (the others answer 43004). */
    followers: Set<string>;
    /** Accepted messages in arrival order (a de-duplicated retry adds none). */
    messages: FakeTemplateMessage[];
  }>;

export type WechatOfficialFakeOptions = WechatFakeOptions &
  Readonly<{
    followers?: Iterable<string>;
    /** Extra templates: id → keyword names. */
    templates?: Readonly<Record<string, readonly string[]>>;
    /**
     * What a repeated `client_msg_id` answers: the first send's msgid (`same`, what "only one
     * message is sent" suggests ❓) or errcode 45065 with it (`45065`, the global table's code).
     */
    duplicateAnswer?: 'same' | '45065';
  }>;

/** How long WeChat de-duplicates a `client_msg_id` (§9.2: 10 minutes). */
const DEDUP_MS = 10 * 60_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startWechatOfficialFake({ followers: [openid] });
 * // account config: { appId: fake.appId, appSecret: fake.appSecret, baseUrl: fake.baseUrl }
 * // content: { templateId: fake.templateId, data: { thing1: 'Tea', character_string2: 'A-1', time3: '15:01' } }
 * await fake.close();
 */
export async function startWechatOfficialFake(
  opts: WechatOfficialFakeOptions = {},
): Promise<WechatOfficialFake> {
  const now = opts.now ?? Date.now;
  const templateId = fakeTemplateId();
  const templates = new Map<string, readonly string[]>([
    [templateId, ['thing1', 'character_string2', 'time3']],
    ...Object.entries(opts.templates ?? {}),
  ]);
  const followers = new Set(opts.followers ?? []);
  const messages: FakeTemplateMessage[] = [];
  const sentIds = new Map<string, FakeTemplateMessage>(); // `${openid}\n${client_msg_id}` → message

  const send = (body: Readonly<Record<string, unknown>>): FakeReply => {
    const touser = body.touser;
    if (typeof touser !== 'string' || !OPENID_SHAPE.test(touser)) return wechatError(40003, 'invalid openid');
    const tid = body.template_id;
    const keys = typeof tid === 'string' ? templates.get(tid) : undefined;
    if (typeof tid !== 'string' || !keys) return wechatError(40037, 'invalid template_id');
    if (!followers.has(touser)) return wechatError(43004, 'require subscribe');
    const data = body.data;
    if (!isObject(data)) return wechatError(47003, 'argument invalid! data invalid');
    const values: Record<string, string> = {};
    for (const k of keys) {
      const entry = data[k];
      const value = isObject(entry) ? entry.value : undefined;
      if (!keywordValueOk(k, value)) return wechatError(47003, `argument invalid! data.${k}.value invalid`);
      values[k] = value as string;
    }
    if (body.url !== undefined && (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url))) {
      return wechatError(47003, 'argument invalid! url invalid');
    }
    const mp = body.miniprogram;
    if (mp !== undefined && (!isObject(mp) || typeof mp.appid !== 'string' || mp.appid === '')) {
      return wechatError(47003, 'argument invalid! miniprogram.appid invalid');
    }
    const cid = typeof body.client_msg_id === 'string' && body.client_msg_id ? body.client_msg_id : undefined;
    const dedupKey = cid ? `${touser}\n${cid}` : undefined;
    const earlier = dedupKey ? sentIds.get(dedupKey) : undefined;
    if (earlier && now() - earlier.at < DEDUP_MS) {
      return opts.duplicateAnswer === '45065'
        ? {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: `{"errcode":45065,"errmsg":"clientmsgid exist","msg_id":${earlier.msgid}}`,
          }
        : sentReply(earlier.msgid);
    }
    const m = Object.freeze({
      msgid: newMsgid(),
      touser,
      templateId: tid,
      data: Object.freeze(values),
      body,
      at: now(),
    });
    messages.push(m);
    if (dedupKey) sentIds.set(dedupKey, m);
    return sentReply(m.msgid);
  };

  const base = await startWechatFake(opts, { [TEMPLATE_SEND_PATH]: (_req, body) => send(body) });
  return extendFake(base, { templateId, templates, followers, messages });
}
