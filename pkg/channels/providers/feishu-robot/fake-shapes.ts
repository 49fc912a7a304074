/**
 * The fake Feishu bot's reading of a webhook body (test-only, used by fake.ts): whether each
 * message type has the shape the custom-bot guide gives it, which texts the custom keywords are
 * matched against, and whom the post @-mentions.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Required string fields of the rich-text tags the guide lists; other tags pass unchecked. */
const NODE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  text: ['text'],
  a: ['text', 'href'],
  at: ['user_id'],
  img: ['image_key'],
};

function postError(post: unknown): string | undefined {
  if (!isObj(post)) return 'content.post must be an object';
  const locales = Object.entries(post);
  if (locales.length === 0) return 'content.post needs a language (zh_cn, en_us)';
  for (const [lang, locale] of locales) {
    if (!isObj(locale) || !Array.isArray(locale.content)) return `post.${lang}.content must be a list`;
    if (locale.title !== undefined && typeof locale.title !== 'string') return `post.${lang}.title`;
    for (const line of locale.content) {
      if (!Array.isArray(line)) return `post.${lang}.content: each paragraph must be a list`;
      for (const node of line) {
        if (!isObj(node) || typeof node.tag !== 'string') return `post.${lang}: a node without a tag`;
        const missing = (NODE_FIELDS[node.tag] ?? []).find((f) => !isText(node[f]));
        if (missing) return `post.${lang}: ${node.tag} needs ${missing}`;
      }
    }
  }
  return undefined;
}

/**
 * What is wrong with a body's message part: `'msg_type'` for a missing or unknown type (Feishu's
 * 19002 ◐), a description for a wrong shape (9499), undefined when it is fine.
 *
 * @example checkShape({ msg_type: 'text', content: { text: 'hi' } }) // undefined
 * @example checkShape({ msg_type: 'interactive', content: { card: {} } }) // 'an interactive message needs a top-level card'
 */
export function checkShape(b: Obj): string | undefined {
  const content = b.content;
  switch (b.msg_type) {
    case 'text':
      return isObj(content) && isText(content.text) ? undefined : 'content.text is required';
    case 'post':
      return isObj(content) ? postError(content.post) : 'content is required';
    case 'image':
      return isObj(content) && isText(content.image_key) ? undefined : 'content.image_key is required';
    case 'share_chat':
      return isObj(content) && isText(content.share_chat_id)
        ? undefined
        : 'content.share_chat_id is required';
    case 'interactive':
      return isObj(b.card) ? undefined : 'an interactive message needs a top-level card';
    default:
      return 'msg_type';
  }
}

/** Every string under `keys` anywhere in `v`. */
function stringsUnder(v: unknown, keys: ReadonlySet<string>, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) stringsUnder(x, keys, out);
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string' && keys.has(k)) out.push(x);
      else stringsUnder(x, keys, out);
    }
  }
  return out;
}

const TEXT_KEYS: ReadonlySet<string> = new Set(['text', 'title']);
const CARD_KEYS: ReadonlySet<string> = new Set(['text', 'title', 'content']);

/**
 * The texts the custom keywords are looked for in: only text and title values (the guide: a
 * link's `href` is not filtered), and a card's text contents.
 *
 * @example keywordTexts({ msg_type: 'post', content: { post: { zh_cn: { title: 'T', content: [[{ tag: 'a', text: 'x', href: 'h' }]] } } } })
 * // ['T', 'x']
 */
export function keywordTexts(b: Obj): string[] {
  return b.msg_type === 'interactive' ? stringsUnder(b.card, CARD_KEYS) : stringsUnder(b.content, TEXT_KEYS);
}

/**
 * Whom a post @-mentions: `<at user_id="…">` in text, `at` nodes in a post, `<at id=…>` in a
 * card's texts.
 *
 * @example mentionsIn({ msg_type: 'text', content: { text: 'hi <at user_id="all"></at>' } }) // ['all']
 */
export function mentionsIn(b: Obj): string[] {
  if (b.msg_type === 'text' && isObj(b.content) && typeof b.content.text === 'string') {
    return [...b.content.text.matchAll(/<at\s+user_id\s*=\s*"([^"]*)"/g)].map((m) => m[1]!);
  }
  if (b.msg_type === 'post' && isObj(b.content) && isObj(b.content.post)) {
    const locale = Object.values(b.content.post)[0];
    const lines = isObj(locale) && Array.isArray(locale.content) ? locale.content : [];
    return lines.flat().flatMap((n: unknown) => (isObj(n) && n.tag === 'at' ? [String(n.user_id)] : []));
  }
  if (b.msg_type === 'interactive') {
    const texts = stringsUnder(b.card, CARD_KEYS).join(' ');
    return [...texts.matchAll(/<at\s+id\s*=\s*"?([^"\s>]+)"?\s*>/g)].map((m) => m[1]!);
  }
  return [];
}
