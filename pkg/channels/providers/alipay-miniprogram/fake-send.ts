/**
 * Test-only: the business rules of `alipay.open.app.mini.templatemessage.send` as the fake applies
 * them (PROVIDERS.md §10b.2, §10b.4, §10b.8), each refusal a `40004` sub-code Alipay names.
 */

/** What the fake knows: templates with their keywords, and each user's subscription to each. */
export type TemplateRules = Readonly<{
  templates: ReadonlyMap<string, readonly string[]>;
  /** `long` (long-term), a one-time count left, `none`, or `rejected` (refused, don't ask again). */
  subscription(receiver: string, templateId: string): 'long' | 'none' | 'rejected' | number;
}>;

const USER_ID = /^2088\d{12}$/;
const OPEN_ID = /^[A-Za-z0-9_-]{20,64}$/;

/** The keywords of a `data` JSON string, or a format problem. */
function dataKeywords(data: unknown): Record<string, string> | string {
  if (typeof data !== 'string') return 'data 必须是 JSON 字符串';
  if (data.length > 2048) return 'data 超过 2048 个字符';
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return 'data 不是合法的 JSON';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'data 必须是 JSON 对象';
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    const value = (v as { value?: unknown } | null)?.value;
    if (typeof value !== 'string') return `关键词 ${k} 缺少 value`;
    out[k] = value;
  }
  return out;
}

/**
 * Why Alipay would refuse this `biz_content` (`[sub_code, sub_msg]`), or undefined to accept it:
 * exactly one receiver (`to_user_id` 2088…, or `to_open_id`), no `form_id` (the fake knows no
 * forms or trades), a known template, a page ≤ 128, `data` a JSON string ≤ 2048 of
 * `{ "<keyword>": { "value": "…" } }` naming the template's keywords one-to-one, each value ≤ 50
 * characters, and a live subscription (one-time counts are spent by the caller on success).
 *
 * @example sendRefusal(rules, { to_user_id: '2088…', user_template_id: 'X', data: '{}' }) // ['USER_TEMPLATE_ILLEGAL', '…']
 */
export function sendRefusal(
  rules: TemplateRules,
  biz: Readonly<Record<string, unknown>>,
): [string, string] | undefined {
  const { to_user_id: user, to_open_id: open } = biz;
  if ((user === undefined) === (open === undefined))
    return ['USER_ID_INVALID', '需要 to_user_id 或 to_open_id 之一'];
  if (user !== undefined && !(typeof user === 'string' && USER_ID.test(user)))
    return ['USER_ID_INVALID', '用户 ID 无效'];
  if (open !== undefined && !(typeof open === 'string' && OPEN_ID.test(open)))
    return ['USER_ID_INVALID', 'open_id 无效'];
  if (biz.form_id !== undefined) return ['FORM_ID_INVALID', 'form_id 无效'];
  const templateId = biz.user_template_id;
  const keywords = typeof templateId === 'string' ? rules.templates.get(templateId) : undefined;
  if (!keywords || typeof templateId !== 'string') return ['USER_TEMPLATE_ILLEGAL', '模板不存在或已删除'];
  if (biz.page !== undefined && (typeof biz.page !== 'string' || biz.page.length > 128)) {
    return ['PAGE_OVER_LIMIT', 'page 超过 128 个字符'];
  }
  const data = dataKeywords(biz.data);
  if (typeof data === 'string') return ['DATA_CONTENT_FORMAT_ERROR', data];
  const sent = Object.keys(data).sort();
  const wanted = [...keywords].sort();
  if (sent.length !== wanted.length || sent.some((k, i) => k !== wanted[i])) {
    return ['USER_TEMPLATE_LACK_KEYWORD', `模板关键词为 ${wanted.join(',')}`];
  }
  const long = Object.entries(data).find(([, v]) => [...v].length > 50);
  if (long) return ['USER_KEYWORD_LENGTH_ERROR', `关键词 ${long[0]} 超过 50 个字符`];
  const sub = rules.subscription(String(user ?? open), templateId);
  if (sub === 'rejected') return ['MSG_REJECTED', '用户已拒绝接收该模板消息'];
  if (sub === 'none' || sub === 0) return ['MSG_UNSUBSCRIBED', '用户未订阅该模板消息'];
  return undefined;
}
