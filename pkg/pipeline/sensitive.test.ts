import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stepInput } from '../testkit/step-input.ts';
import { compileMatcher, maskText, matcherFor, scanContent, sensitiveStep } from './sensitive.ts';
import {
  foldText,
  MAX_SENSITIVE_WORDS,
  normaliseWord,
  normaliseWords,
  sameWords,
} from './sensitive-dictionary.ts';
import { namedStep, runSteps } from './types.ts';

const dict = (...raw: string[]) => {
  const r = normaliseWords(raw);
  assert.ok('words' in r, JSON.stringify(r));
  return r.words;
};
const m = (...raw: string[]) => matcherFor(dict(...raw))!;

describe('sensitive dictionary', () => {
  test('text folds to lower case and half-width without changing its length', () => {
    assert.equal(foldText('Hello ＷＯＲＬＤ２！ 你好，'), 'hello world2！ 你好，');
    assert.equal(foldText('ÀÉÎ'), 'àéî');
    // İ lowers to two code units: it stays as it is, so offsets still line up.
    const s = 'İstanbul ABC';
    assert.equal(foldText(s).length, s.length);
    assert.equal(foldText(s), 'İstanbul abc');
  });

  test('words are NFKC-normalised, trimmed, folded; duplicates dropped; sorted', () => {
    assert.deepEqual(normaliseWord('  ＢＡＤ Word '), { word: 'bad word' });
    assert.deepEqual(dict('Foo', 'foo', ' FOO', '敏感', 'abc'), ['abc', 'foo', '敏感']);
  });

  test('bad words are named by their index', () => {
    assert.deepEqual(normaliseWords(['ok', ' ', 'x'.repeat(33), 'a\u0000b']), {
      issues: [
        { index: 1, message: 'empty' },
        { index: 2, message: 'longer than 32 characters' },
        { index: 3, message: 'contains a control character' },
      ],
    });
    // 32 characters of an astral script are 64 code units, still allowed.
    assert.ok('word' in normaliseWord('𠀀'.repeat(32)));
  });

  test('at most 100,000 distinct words', () => {
    const many = Array.from({ length: MAX_SENSITIVE_WORDS + 1 }, (_, i) => `w${i}`);
    const r = normaliseWords(many);
    assert.ok('issues' in r && /more than 100000 distinct words/.test(r.issues[0]!.message));
    assert.ok('words' in normaliseWords(many.slice(1)));
  });

  test('sameWords compares contents', () => {
    assert.ok(sameWords(['a', 'b'], ['a', 'b']));
    assert.ok(!sameWords(['a', 'b'], ['a', 'c']));
    assert.ok(!sameWords(['a'], ['a', 'b']));
  });
});

describe('sensitive matcher', () => {
  test('case-insensitive for Latin letters, working for Chinese', () => {
    const matcher = m('Bad', '敏感词', 'ｆｏｏ');
    assert.deepEqual(maskText('so BAD, 有敏感词! FOO fOo', matcher), {
      matches: 4,
      text: 'so ***, 有***! *** ***',
    });
    assert.deepEqual(maskText('nothing here 没有', matcher), { matches: 0, text: 'nothing here 没有' });
  });

  test('overlapping matches are one masked run; adjacent ones two; one * per character', () => {
    const matcher = m('abc', 'bcd', '敏感', '😀x');
    assert.deepEqual(maskText('xabcdx', matcher), { matches: 1, text: 'x****x' });
    assert.deepEqual(maskText('敏感敏感', matcher), { matches: 2, text: '****' });
    assert.deepEqual(maskText('a😀xb', matcher), { matches: 1, text: 'a**b' });
  });

  test('the automaton agrees with a naive indexOf matcher (random words and texts)', () => {
    let x = 7;
    const rnd = (n: number) => {
      x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
      return (x >>> 8) % n;
    };
    // Overlapping words (small alphabet), Chinese, astral, case and full-width forms.
    const alphabet = ['a', 'b', 'c', 'A', 'Ｂ', 'ｃ', '敏', '感', '😀', ' '];
    const word = (len: number) => Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join('');
    // The naive matcher: every occurrence of every word in the folded text, then the runs.
    const naive = (words: readonly string[], text: string) => {
      const folded = foldText(text);
      const covered: [number, number][] = [];
      for (const w of words)
        for (let i = folded.indexOf(w); i >= 0; i = folded.indexOf(w, i + 1)) covered.push([i, i + w.length]);
      covered.sort((p, q) => p[0] - q[0] || q[1] - p[1]);
      let out = '';
      let at = 0;
      let runs = 0;
      for (let i = 0; i < covered.length; ) {
        const begin = covered[i]![0];
        let end = covered[i]![1];
        for (i++; i < covered.length && covered[i]![0] < end; i++) end = Math.max(end, covered[i]![1]);
        out += text.slice(at, begin) + '*'.repeat([...text.slice(begin, end)].length);
        at = end;
        runs++;
      }
      return { matches: runs, text: runs ? out + text.slice(at) : text };
    };
    for (let d = 0; d < 20; d++) {
      const raw = Array.from({ length: 1 + rnd(60) }, () => word(1 + rnd(5))).filter((w) => w.trim());
      if (raw.length === 0) continue;
      const words = dict(...raw);
      const matcher = compileMatcher(words);
      for (let i = 0; i < 100; i++) {
        const text = `${word(rnd(40))}x${word(rnd(40))}`;
        assert.deepEqual(maskText(text, matcher), naive(words, text), `${JSON.stringify(words)} ${text}`);
      }
    }
  });

  test('one matcher per dictionary: the same words find the same matcher', () => {
    const words = dict('a', 'b');
    const first = matcherFor(words);
    assert.equal(matcherFor(words), first);
    assert.equal(matcherFor(dict('b', 'a')), first, 'an equal new array reuses the last matcher');
    assert.notEqual(matcherFor(dict('a', 'c')), first);
    assert.equal(matcherFor([]), undefined);
  });

  test('a string seen again is not scanned again (the receivers of one message)', () => {
    const matcher = m('bad');
    const first = matcher.mask('so bad');
    assert.deepEqual(first, { matches: 1, text: 'so ***' });
    assert.equal(matcher.mask(`so ${'bad'}`), first, 'the remembered result');
    assert.deepEqual(m('so').mask('so bad'), { matches: 1, text: '** bad' }, 'per dictionary');
  });

  test('every string value of any content shape is scanned; only changed paths are copied', () => {
    const content = {
      subject: 'Hi',
      html: '<p>bad</p>',
      body: { items: [{ title: 'ok' }, { title: '敏感' }], n: 3 },
      image: { base64: 'QmFk' },
    };
    const r = scanContent(content, m('bad', '敏感', 'qmfk'));
    assert.equal(r.matches, 2);
    assert.deepEqual(r.fields, ['html', 'body.items.1.title']);
    assert.deepEqual(r.masked, {
      subject: 'Hi',
      html: '<p>***</p>',
      body: { items: [{ title: 'ok' }, { title: '**' }], n: 3 },
      image: { base64: 'QmFk' },
    });
    const out = r.masked as typeof content;
    assert.equal(out.image, content.image, 'unchanged parts are shared');
    assert.equal(out.body.items[0], content.body.items[0]);
    assert.equal(content.html, '<p>bad</p>', 'the input is not changed');
    const clean = scanContent(content, m('zzz'));
    assert.equal(clean.masked, content);
    assert.equal(clean.matches, 0);
  });
});

describe('sensitive step', () => {
  const step = sensitiveStep();
  const config = { sensitiveWords: { words: dict('secret', '机密') } };
  const rendered = { subject: 'A SECRET', text: '这是机密 and secret' };

  test('mask: every match masked, noted once per message (on its first attempt)', async () => {
    const r = await step(stepInput({ template: { sensitive: 'mask' }, config, rendered }));
    assert.deepEqual(r, {
      kind: 'rewrite',
      rendered: { subject: 'A ******', text: '这是** and ******' },
      note: { state: 'sensitive_masked', reason: 'masked 3 matches (subject, text)' },
    });
    const retry = await step(
      stepInput({ delivery: { attempt: 2 }, template: { sensitive: 'mask' }, config, rendered }),
    );
    assert.deepEqual(retry, {
      kind: 'rewrite',
      rendered: { subject: 'A ******', text: '这是** and ******' },
    });
  });

  test('block: ends as blocked_sensitive; the reason never names the words', async () => {
    const r = await step(stepInput({ template: { sensitive: 'block' }, config, rendered }));
    assert.deepEqual(r, {
      kind: 'drop',
      state: 'blocked_sensitive',
      reason: 'blocked: 3 matches (subject, text)',
    });
    assert.ok(!/secret|机密/i.test(r.kind === 'drop' ? r.reason : ''));
  });

  test('policy none, an empty dictionary or clean content pass', async () => {
    assert.deepEqual(await step(stepInput({ config, rendered })), { kind: 'pass' });
    assert.deepEqual(await step(stepInput({ template: { sensitive: 'block' }, rendered })), { kind: 'pass' });
    assert.deepEqual(
      await step(stepInput({ template: { sensitive: 'block' }, config, rendered: { text: 'fine' } })),
      { kind: 'pass' },
    );
  });

  test('in the chain, later steps see the masked content and the note comes with the pass', async () => {
    const seen: unknown[] = [];
    const spy = namedStep('spy', ({ rendered: r }) => {
      seen.push(r);
      return { kind: 'pass' };
    });
    const input = stepInput({ template: { sensitive: 'mask' }, config, rendered: { text: 'secret' } });
    assert.deepEqual(await runSteps([step, spy], input), {
      kind: 'pass',
      rendered: { text: '******' },
      notes: [{ state: 'sensitive_masked', reason: 'masked 1 match (text)' }],
    });
    assert.deepEqual(seen, [{ text: '******' }]);
    const stop = namedStep('stop', () => ({ kind: 'drop', state: 'dedup_content', reason: 'x' }));
    assert.deepEqual(await runSteps([step, stop], input), {
      kind: 'drop',
      state: 'dedup_content',
      reason: 'x',
      step: 'stop',
    });
  });
});
