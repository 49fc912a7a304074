import { sameWords } from './sensitive-dictionary.ts';
import { namedStep, type Step } from './types.ts';
import { buildWordAutomaton } from './word-automaton.ts';

/** One string masked: how many runs of matches, and the text with each run replaced by `*`s. */
export type Masked = Readonly<{ matches: number; text: string }>;

/** A compiled dictionary: finds every occurrence of its words in folded text. */
export type SensitiveMatcher = Readonly<{
  size: number;
  /**
   * Matches in `text` (folded as it is read, like `foldText`; offsets are the text's own) as
   * UTF-16 `[begin, end)` ranges: at each end, the longest word ending there.
   */
  find(text: string): readonly Readonly<{ begin: number; end: number }>[];
  /** {@link maskText} with this dictionary, remembered for recently seen strings. */
  mask(text: string): Masked;
}>;

// The deliveries of one message (every receiver of a send gets the same variables) render the
// same strings: each is scanned once. Bounded: emptied when full (one lookup per hit, no LRU
// bookkeeping), so a crowd of distinct texts only cycles it.
const CACHE_ENTRIES = 1024;
const CACHE_MAX_CHARS = 4096;

/**
 * Compiles a normalised dictionary into a matcher (our own automaton, see word-automaton.ts for
 * why not the library). {@link matcherFor} is the shared, cached way to get one.
 *
 * @example compileMatcher(['bad']).find('so BAD') // [{ begin: 3, end: 6 }]
 */
export function compileMatcher(words: readonly string[]): SensitiveMatcher {
  const automaton = buildWordAutomaton(words);
  const find = (text: string) => {
    const hits: { begin: number; end: number }[] = [];
    automaton.scan(text, (begin, end) => hits.push({ begin, end }));
    return hits;
  };
  const cache = new Map<string, Masked>();
  return Object.freeze({
    size: words.length,
    find,
    mask(text: string): Masked {
      if (text.length > CACHE_MAX_CHARS) return maskWith(find, text);
      const hit = cache.get(text);
      if (hit) return hit;
      const r = maskWith(find, text);
      if (cache.size >= CACHE_ENTRIES) cache.clear();
      cache.set(text, r);
      return r;
    },
  });
}

// One matcher per dictionary value, shared by every delivery. The live config is re-parsed on
// each refresh; an unchanged dictionary keeps its array (live-config.ts), and a new array with
// the same words still finds the last matcher here, so only a real change builds one.
const built = new WeakMap<readonly string[], SensitiveMatcher>();
let last: { words: readonly string[]; matcher: SensitiveMatcher } | undefined;

/**
 * The matcher of a normalised dictionary (see `normaliseWords`), built once per distinct word
 * list (Aho–Corasick: one pass over the text whatever the number of words); undefined when the
 * dictionary is empty.
 *
 * @example matcherFor(['bad', '敏感'])!.find('so BAD 敏感') // [{ begin: 3, end: 6 }, { begin: 7, end: 9 }]
 */
export function matcherFor(words: readonly string[]): SensitiveMatcher | undefined {
  if (words.length === 0) return undefined;
  let m = built.get(words);
  if (m) return m;
  if (last && sameWords(last.words, words)) {
    m = last.matcher;
  } else {
    m = compileMatcher(words);
  }
  built.set(words, m);
  last = { words, matcher: m };
  return m;
}

/** What a scan found: merged match spans, the fields they are in, and the masked content. */
export type ScanResult = Readonly<{
  /** Matches, overlapping ones counted once (one masked run). */
  matches: number;
  /** Paths of the string fields with a match (`subject`, `body.items.0.title`), in content order. */
  fields: readonly string[];
  /** The content with every match replaced by `*` (one per character); the input itself when nothing matched. */
  masked: unknown;
}>;

// Binary payloads (a WeCom robot image) are not text: random base64 would match short words.
const SKIP_KEYS: ReadonlySet<string> = new Set(['base64']);

/**
 * Scans every string value of rendered content (whatever its channel's shape; object keys are
 * not content) and masks the matches. Objects are copied only along changed paths.
 *
 * @example scanContent({ subject: 'Hi', text: 'so bad' }, matcherFor(['bad'])!)
 * // { matches: 1, fields: ['text'], masked: { subject: 'Hi', text: 'so ***' } }
 */
export function scanContent(content: unknown, matcher: SensitiveMatcher): ScanResult {
  let matches = 0;
  const fields: string[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') {
      const r = matcher.mask(v);
      if (r.matches === 0) return v;
      matches += r.matches;
      fields.push(path || '(content)');
      return r.text;
    }
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = walk(v[i], path ? `${path}.${i}` : String(i));
        if (x === v[i]) continue;
        out ??= [...v];
        out[i] = x;
      }
      return out ?? v;
    }
    if (v && typeof v === 'object') {
      let out: Record<string, unknown> | undefined;
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (SKIP_KEYS.has(k)) continue;
        const x = o[k];
        const y = walk(x, path ? `${path}.${k}` : k);
        if (y === x) continue;
        out ??= { ...o };
        out[k] = y;
      }
      return out ?? v;
    }
    return v;
  };
  const masked = walk(content, '');
  return { matches, fields, masked };
}

/**
 * Masks the dictionary's words in one string: overlapping and adjacent-overlapping matches are
 * merged into one run, each character of a run becomes `*` (a surrogate pair is one character).
 *
 * @example maskText('Bad 敏感词', matcherFor(['bad', '敏感'])!) // { matches: 2, text: '*** **词' }
 */
export function maskText(text: string, matcher: SensitiveMatcher): Masked {
  return maskWith(matcher.find, text);
}

function maskWith(find: SensitiveMatcher['find'], text: string): Masked {
  const hits = find(text);
  if (hits.length === 0) return { matches: 0, text };
  // Hits come in order of their end; merge by start. (Only the longest word at each end is a
  // hit: a shorter one lies inside it, so the merged runs are the same.)
  const sorted = [...hits].sort((a, b) => a.begin - b.begin || b.end - a.end);
  let out = '';
  let at = 0;
  let runs = 0;
  let i = 0;
  while (i < sorted.length) {
    const begin = sorted[i]!.begin;
    let end = sorted[i]!.end;
    for (i++; i < sorted.length && sorted[i]!.begin < end; i++) end = Math.max(end, sorted[i]!.end);
    let chars = 0;
    for (const _ of text.slice(begin, end)) chars++;
    out += text.slice(at, begin) + '*'.repeat(chars);
    at = end;
    runs++;
  }
  return { matches: runs, text: out + text.slice(at) };
}

/** A short reason: how many matches and where, never the words. */
const reasonOf = (verb: string, r: ScanResult): string => {
  const where = r.fields.slice(0, 3).join(', ') + (r.fields.length > 3 ? `, +${r.fields.length - 3}` : '');
  return `${verb} ${r.matches} ${r.matches === 1 ? 'match' : 'matches'} (${where.slice(0, 120)})`;
};

/**
 * Sensitive words: scans the rendered content of templates whose `sensitive` policy is `mask` or
 * `block` against the live config's dictionary. `block` ends the delivery as `blocked_sensitive`;
 * `mask` sends it with every match replaced by `*`s, noting `sensitive_masked` once per message
 * (on its first attempt: a retry is masked again, not counted again). Templates with policy
 * `none`, or an empty dictionary, pass without a scan.
 *
 * @example const step = sensitiveStep();
 * await step({ ...input, template: { ...t, sensitive: 'mask' }, config: { ...cfg, sensitiveWords: { words: ['bad'] } } })
 * // { kind: 'rewrite', rendered: { text: '***' }, note: { state: 'sensitive_masked', reason: 'masked 1 match (text)' } }
 */
export function sensitiveStep(): Step {
  return namedStep('sensitive', ({ delivery, template, rendered, config }) => {
    const policy = template.sensitive;
    if (policy !== 'mask' && policy !== 'block') return { kind: 'pass' };
    const matcher = matcherFor(config.sensitiveWords.words);
    if (!matcher) return { kind: 'pass' };
    const r = scanContent(rendered, matcher);
    if (r.matches === 0) return { kind: 'pass' };
    if (policy === 'block')
      return { kind: 'drop', state: 'blocked_sensitive', reason: reasonOf('blocked:', r) };
    return delivery.attempt === 1
      ? {
          kind: 'rewrite',
          rendered: r.masked,
          note: { state: 'sensitive_masked', reason: reasonOf('masked', r) },
        }
      : { kind: 'rewrite', rendered: r.masked };
  });
}
