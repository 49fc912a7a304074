import fc from 'fast-check';

/**
 * Hostile values for the route fuzz (services/chaos/fuzz.chaos.ts): strings, numbers, dates and
 * JSON a careless or malicious caller sends. Each arbitrary favours the edge cases (lone
 * surrogates, NUL, RTL marks, prototype names, year 0 and 9999, huge and deep) over the middle.
 */

/** Strings that have broken parsers, lookups and date code elsewhere. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\u202Eevil\u202C',
  '\u200B',
  '\uFEFF{}',
  '🙂👩‍👩‍👧',
  'Ω≈ç√∫',
  '%',
  '%00',
  '%ZZ',
  '%2F',
  '%252F',
  '..',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '//',
  '\\',
  "'; DROP TABLE apps;--",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'prototype',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '00001',
  '1e309',
  '1.5',
  '0x10',
  '9'.repeat(30),
  '9999-12-31',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '0000-01-01',
  '-000001-01-01T00:00:00Z',
  '2026-02-30',
  '2026-13-45',
  '1970-01-01T00:00:00Z',
  '{$code}',
  '{$__proto__}',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, literally
  '${process.exit()}',
  '* * * * * *',
  '@every 0s',
  'sandbox.notice',
  'email.*',
  '+8613800000000',
  'ann@example.com',
  'a'.repeat(300),
];

/** Numbers at the edges of integer, float and date ranges. */
export const NASTY_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1,
  1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e21,
  8.64e15,
  8.64e15 + 1,
  253402300800000,
];

/** A hostile string: the list above, random unicode (surrogates included), or a long one. */
const shortOnes = [
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 20 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 10 },
  { arbitrary: fc.string({ unit: 'grapheme-composite', maxLength: 20 }), weight: 3 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 8 },
];

/** A short hostile string (for paths, queries and headers, whose long cases are constants). */
export const nastyShortString: fc.Arbitrary<string> = fc.oneof(...shortOnes);

/** A hostile string, now and then a long one (1,000 to 70,000 characters). */
export const nastyString: fc.Arbitrary<string> = fc.oneof(...shortOnes, {
  // Long ones are rare: they cost generation time and every route refuses them the same way.
  arbitrary: fc
    .tuple(
      fc.constantFrom('a', '\u00e9', '\uD83D\uDE00', '%', '\u0000'),
      fc.constantFrom(1000, 20_000, 70_000),
    )
    .map(([c, n]) => c.repeat(n)),
  weight: 1,
});

/** A hostile number (never NaN/Infinity as JSON cannot carry them; they come as strings). */
export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...NASTY_NUMBERS),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/**
 * JSON text of a value nested `depth` deep in objects or arrays under `key`, built as text:
 * depths past a few thousand overflow JSON.stringify itself.
 *
 * @example deepJsonText('variables', 3, 'object') // '{"variables":{"a":{"a":{"a":"x"}}}}'
 */
export function deepJsonText(key: string, depth: number, kind: 'object' | 'array'): string {
  const open = kind === 'array' ? '[' : '{"a":';
  const close = kind === 'array' ? ']' : '}';
  return `{${JSON.stringify(key)}:${open.repeat(depth)}"x"${close.repeat(depth)}}`;
}

/**
 * JSON text of any value, with the hostile strings and numbers as leaves and property names
 * drawn from `names` (a route's own field names, so values land where the route reads them),
 * sometimes nested thousands deep or holding a huge array.
 *
 * @example fc.sample(nastyJsonText(['receivers', 'variables']), 3)
 */
export function nastyJsonText(names: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { arbitrary: fc.constantFrom(...(names.length ? names : ['a'])), weight: 6 },
    { arbitrary: nastyString, weight: 1 },
  );
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      nastyString,
      nastyNumber,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    ),
  }));
  const depth = fc.constantFrom(50, 200, 1000, 2500, 5000, 12_000);
  const kind = fc.constantFrom('object', 'array') as fc.Arbitrary<'object' | 'array'>;
  return fc.oneof(
    {
      arbitrary: fc.dictionary(key, value, { minKeys: 1, maxKeys: 8 }).map((v) => JSON.stringify(v)),
      weight: 30,
    },
    { arbitrary: value.map((v) => JSON.stringify(v) ?? 'null'), weight: 8 },
    { arbitrary: fc.tuple(key, depth, kind).map(([k, d, t]) => deepJsonText(k, d, t)), weight: 4 },
    {
      arbitrary: fc
        .tuple(key, fc.constantFrom(1000, 20_000))
        .map(([k, n]) => JSON.stringify({ [k]: Array.from({ length: n }, (_, i) => `r${i}@example.com`) })),
      weight: 1,
    },
  );
}

/** Text that is not JSON, or only nearly: truncated, doubled, commented, wrongly encoded. */
export const brokenJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '{"a":1,}',
    '{a:1}',
    "{'a':1}",
    '{"a":NaN}',
    '{"a":1e99999}',
    '[]]',
    '{}{}',
    '\uFEFF{"a":1}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '/* c */ {}',
    'null',
    '"just a string"',
    '12345678901234567890123456789',
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.json().map((s) => s.slice(0, Math.max(0, s.length - 1))),
);

/** A CSV a crowd upload could receive: ragged, unquoted, quoted badly, binary, huge fields. */
export const brokenCsv: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'receiver\n',
    'receiver,code\n"ann@example.com,1\n',
    'receiver\n"\n',
    '\uFEFFreceiver\r\nann@example.com\r\n',
    'receiver;code\nann@example.com;1\n',
    'a,b,c\n1\n1,2,3,4,5\n',
    'receiver\n\u0000\u0000\n',
    `receiver\n${'x'.repeat(200_000)}\n`,
    `${Array.from({ length: 2000 }, (_, i) => `c${i}`).join(',')}\n1\n`,
    'receiver,variables\nann@example.com,{"a":\n',
    'receiver\n+8613800000000\n13800000000\nnot a receiver\n',
  ),
  fc
    .array(fc.array(fc.oneof(nastyString, fc.constantFrom('"', '""', ',', '\r', '\n')), { maxLength: 6 }), {
      maxLength: 20,
    })
    .map((rows) => ['receiver,code', ...rows.map((r) => r.join(','))].join('\n')),
);
