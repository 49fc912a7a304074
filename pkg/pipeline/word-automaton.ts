/**
 * An Aho–Corasick automaton over UTF-16 code units that folds the text as it reads it, for the
 * sensitive-words filter.
 *
 * Why not @monyone/aho-corasick (used before): it keys its transitions by one-character strings
 * in Maps (~55 ns a character) and wants a lowered copy of the text (~2.4 µs for 350 characters).
 * With 10,000 words and content new on every delivery that was ~32 µs CPU a delivery, 5.3% of
 * the handler's work. Here a transition is a few integer operations on typed arrays (the root's
 * in one 64K table, the rest in an open-addressing hash table keyed by state and code unit) and
 * the text is folded code unit by code unit, so match offsets are offsets in the original text.
 */
import { foldTable } from './word-fold.ts';

/** A compiled word list: `scan` reports where words end in a text. */
export type WordAutomaton = Readonly<{
  /** Number of states (the root included); about the number of code units over all words. */
  states: number;
  /**
   * Calls `hit(begin, end)` (a UTF-16 `[begin, end)` range of `text`) for each position where
   * a word ends, with the longest word ending there (shorter ones there lie inside it), in order
   * of `end`. The text is folded as the dictionary is (see `foldText`) while it is read.
   */
  scan(text: string, hit: (begin: number, end: number) => void): void;
}>;

const EMPTY = -1;

/**
 * Builds the automaton of `words` (folded code unit by code unit as the text is; empty words
 * are skipped). Linear in the words' total length.
 *
 * @example
 * const a = buildWordAutomaton(['he', 'she', '敏感']);
 * const hits: number[][] = [];
 * a.scan('uSHEr 敏感', (b, e) => hits.push([b, e]));
 * // hits: [[1, 4], [6, 8]] ('she' contains 'he', which is not reported apart)
 */
export function buildWordAutomaton(words: readonly string[]): WordAutomaton {
  const fold = foldTable();
  let units = 1;
  for (const w of words) units += w.length;
  // Transitions out of non-root states: linear probing, load ≤ 2/3.
  let bits = 4;
  while (1 << bits < units * 1.5) bits++;
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  const keyState = new Int32Array(1 << bits).fill(EMPTY);
  const keyCode = new Uint16Array(1 << bits);
  const target = new Int32Array(1 << bits);
  const root = new Int32Array(65_536); // 0: no transition (stay at the root)
  const parent = new Int32Array(units);
  const code = new Uint16Array(units);
  const depth = new Uint8Array(units); // words have ≤ 64 code units
  const terminal = new Uint8Array(units);
  // Per state, bit (c & 31) set for each child's code unit c: most states (after a Chinese
  // character, almost all) have one child or none, so most failed steps skip the hash probe,
  // a cache miss into a table of megabytes.
  const children = new Int32Array(units);
  let states = 1;

  const slot = (s: number, c: number): number => {
    let h = Math.imul(Math.imul(s, 0x9e3779b1) ^ c, 0x85ebca6b) >>> shift;
    while (keyState[h] !== EMPTY && (keyState[h] !== s || keyCode[h] !== c)) h = (h + 1) & mask;
    return h;
  };
  const next = (s: number, c: number): number => {
    if (s === 0) return root[c]!;
    const h = slot(s, c);
    return keyState[h] === EMPTY ? 0 : target[h]!;
  };

  for (const w of words) {
    let s = 0;
    for (let i = 0; i < w.length; i++) {
      const c = fold[w.charCodeAt(i)]!;
      let t = next(s, c);
      if (t === 0) {
        t = states++;
        parent[t] = s;
        code[t] = c;
        depth[t] = depth[s]! + 1;
        children[s]! |= 1 << (c & 31);
        if (s === 0) root[c] = t;
        else {
          const h = slot(s, c);
          keyState[h] = s;
          keyCode[h] = c;
          target[h] = t;
        }
      }
      s = t;
    }
    if (s !== 0) terminal[s] = 1;
  }

  // Failure links and outputs in breadth-first order (a state's fail link is shallower).
  const order = byDepth(depth, states);
  const fail = new Int32Array(states);
  const out = new Uint8Array(states); // length of the longest word ending at a state; 0: none
  for (let k = 1; k < states; k++) {
    const s = order[k]!;
    const c = code[s]!;
    let f = 0;
    if (parent[s] !== 0) {
      f = fail[parent[s]!]!;
      while (f !== 0 && next(f, c) === 0) f = fail[f]!;
      f = next(f, c);
    }
    fail[s] = f;
    out[s] = terminal[s] ? depth[s]! : out[f]!;
  }

  // The root's transitions by the text's own code unit (folded here once): at the root, where
  // the scan mostly is, one table read a character instead of two.
  const start = new Int32Array(65_536);
  for (let c = 0; c < 65_536; c++) start[c] = root[fold[c]!]!;

  function scan(text: string, hit: (begin: number, end: number) => void): void {
    let s = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const raw = text.charCodeAt(i);
      if (s === 0) {
        s = start[raw]!;
        if (s === 0) continue;
        if (out[s] !== 0) hit(i + 1 - out[s]!, i + 1);
        continue;
      }
      const c = fold[raw]!;
      for (;;) {
        if (s === 0) {
          s = root[c]!;
          break;
        }
        if ((children[s]! >>> (c & 31)) & 1) {
          let h = Math.imul(Math.imul(s, 0x9e3779b1) ^ c, 0x85ebca6b) >>> shift;
          let k = keyState[h]!;
          while (k !== EMPTY && (k !== s || keyCode[h] !== c)) {
            h = (h + 1) & mask;
            k = keyState[h]!;
          }
          if (k !== EMPTY) {
            s = target[h]!;
            break;
          }
        }
        s = fail[s]!;
      }
      const len = out[s]!;
      if (len !== 0) hit(i + 1 - len, i + 1);
    }
  }

  return Object.freeze({ states, scan });
}

/** States sorted by depth (counting sort; the root first). */
function byDepth(depth: Uint8Array, states: number): Int32Array {
  const starts = new Int32Array(257);
  for (let s = 0; s < states; s++) starts[depth[s]! + 1]!++;
  for (let d = 1; d < 257; d++) starts[d]! += starts[d - 1]!;
  const order = new Int32Array(states);
  for (let s = 0; s < states; s++) order[starts[depth[s]!]!++] = s;
  return order;
}
