/**
 * The sensitive-words dictionary's rules, shared by the live config schema, the upload routes
 * and the matcher: how a word is normalised, how text is folded to meet it, and the limits.
 * Pure code (no matcher here, so the schema does not load one).
 */

/** Most words in the dictionary. */
export const MAX_SENSITIVE_WORDS = 100_000;
/** Longest word, in characters (code points), after normalisation. */
export const MAX_SENSITIVE_WORD_CHARS = 32;
/**
 * Most characters over all words: the dictionary lives in the live config row (and each change
 * in its audit row, old and new), which must stay a few MB even for a CJK dictionary.
 */
export const MAX_SENSITIVE_TOTAL_CHARS = 1_000_000;

// Full-width letters and digits fold to ASCII as NFKC folds them in the dictionary, one code
// unit for one: a receiver-typed 'ＦＯＯ' meets the word 'foo'. (Full-width punctuation, in
// every Chinese sentence, is left alone: folding it would cost each scan a replace.)
const FULL_WIDTH = /[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/g;
const HAS_FULL_WIDTH = /[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]/;
const fromFullWidth = (c: string): string => String.fromCharCode(c.charCodeAt(0) - 0xfee0);

/**
 * Folds text for matching without changing its length, so a match's offsets in the folded text
 * are offsets in the original: letters to lower case (Latin, and any other whose lower case is
 * one code unit), full-width letters and digits to ASCII. Chinese text is unchanged.
 *
 * @example foldText('Hello ＷＯＲＬＤ２ 你好') // 'hello world2 你好'
 */
export function foldText(s: string): string {
  let lower = s.toLowerCase();
  // Rare letters grow when lowered (İ → i̇): fold those one by one, keeping their length.
  if (lower.length !== s.length) {
    lower = '';
    for (const c of s) {
      const l = c.toLowerCase();
      lower += l.length === c.length ? l : c;
    }
  }
  return HAS_FULL_WIDTH.test(lower) ? lower.replace(FULL_WIDTH, fromFullWidth) : lower;
}

// Control and format characters, lone surrogates, line and paragraph separators.
const BAD = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;

/**
 * One word as the dictionary keeps it (NFKC, trimmed, folded with {@link foldText}), or why it
 * cannot be one.
 *
 * @example normaliseWord('  ＢＡＤ Word ') // { word: 'bad word' }
 * @example normaliseWord('x'.repeat(33)) // { error: 'longer than 32 characters' }
 */
export function normaliseWord(raw: string): { word: string } | { error: string } {
  const word = foldText(raw.normalize('NFKC').trim());
  if (word === '') return { error: 'empty' };
  if (BAD.test(word)) return { error: 'contains a control character' };
  let chars = 0;
  for (const _ of word) chars++;
  if (chars > MAX_SENSITIVE_WORD_CHARS)
    return { error: `longer than ${MAX_SENSITIVE_WORD_CHARS} characters` };
  return { word };
}

/** A word that could not be taken, by its position in the input. */
export type WordIssue = Readonly<{ index: number; message: string }>;

/**
 * Normalises a list of words: each by {@link normaliseWord}, duplicates (after normalisation)
 * dropped, sorted by code unit, so equal dictionaries are equal arrays. Returns the issues
 * instead (at most 20, then the limits) when a word is bad or a limit is passed.
 *
 * @example normaliseWords(['Foo', 'foo', '敏感']) // { words: ['foo', '敏感'] }
 * @example normaliseWords(['ok', ' ']) // { issues: [{ index: 1, message: 'empty' }] }
 */
export function normaliseWords(
  raw: readonly string[],
): { words: readonly string[] } | { issues: readonly WordIssue[] } {
  const issues: WordIssue[] = [];
  const set = new Set<string>();
  let total = 0;
  for (let i = 0; i < raw.length; i++) {
    const r = normaliseWord(raw[i]!);
    if ('error' in r) {
      if (issues.length < 20) issues.push({ index: i, message: r.error });
      continue;
    }
    if (!set.has(r.word)) {
      set.add(r.word);
      total += r.word.length;
    }
  }
  if (issues.length) return { issues };
  if (set.size > MAX_SENSITIVE_WORDS) {
    return {
      issues: [{ index: -1, message: `more than ${MAX_SENSITIVE_WORDS} distinct words (${set.size})` }],
    };
  }
  if (total > MAX_SENSITIVE_TOTAL_CHARS) {
    return { issues: [{ index: -1, message: `more than ${MAX_SENSITIVE_TOTAL_CHARS} characters in all` }] };
  }
  return { words: [...set].sort(byCodeUnit) };
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Whether two word lists hold the same words in the same order (cheap next to re-normalising
 * or re-building a matcher: the live config is re-read every few seconds).
 *
 * @example sameWords(['a', 'b'], ['a', 'b']) // true
 */
export function sameWords(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
