import fc from 'fast-check';
import {
  brokenCsv,
  brokenJsonText,
  nastyJsonText,
  nastyNumber,
  nastyShortString,
  nastyString,
} from './fuzz-values.ts';

/** One operation of /openapi.json, as the fuzz needs it. */
export type FuzzOperation = Readonly<{
  method: string;
  /** The OpenAPI path, `{param}` placeholders. */
  path: string;
  pathParams: readonly string[];
  queryParams: readonly string[];
  headerParams: readonly string[];
  /** Request content types the operation declares (none: no body). */
  bodyTypes: readonly string[];
  /** Property names anywhere in its request body schema. */
  fieldNames: readonly string[];
}>;

/** What a request may carry to look legitimate: credentials and ids that exist. */
export type FuzzContext = Readonly<{
  adminToken: string;
  appKey: string;
  ids: readonly string[];
}>;

/** A generated request: method, path with query, headers (latin1), body. */
export type FuzzRequest = { method: string; url: string; headers: [string, string][]; body?: string };

type Doc = {
  paths: Record<string, Record<string, OpenApiOp>>;
  components?: { schemas?: Record<string, unknown> };
};
type OpenApiOp = {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
};

/**
 * The operations of an OpenAPI document, each with the field names of its body schema
 * (`$ref`s followed), so generated bodies use the names the route reads.
 *
 * @example const ops = operationsOf(await (await app.request('/openapi.json')).json());
 */
export function operationsOf(doc: Doc): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const params = op.parameters ?? [];
      const names = new Set<string>();
      for (const c of Object.values(op.requestBody?.content ?? {}))
        collectNames(c.schema, doc, names, new Set());
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        headerParams: params.filter((p) => p.in === 'header').map((p) => p.name),
        bodyTypes: Object.keys(op.requestBody?.content ?? {}),
        fieldNames: [...names],
      });
    }
  }
  return out;
}

function collectNames(schema: unknown, doc: Doc, into: Set<string>, seen: Set<unknown>): void {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop() ?? '';
    collectNames(doc.components?.schemas?.[name], doc, into, seen);
    return;
  }
  if (s.properties && typeof s.properties === 'object') {
    for (const [k, v] of Object.entries(s.properties)) {
      into.add(k);
      collectNames(v, doc, into, seen);
    }
  }
  for (const k of ['items', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not']) {
    const v = s[k];
    for (const x of Array.isArray(v) ? v : [v]) collectNames(x, doc, into, seen);
  }
}

/** Percent-encodes what `encodeURIComponent` can, and keeps a lone surrogate's replacement. */
const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
};

/** Header values must be latin1 (a Headers rule): others are sent as their UTF-8 bytes. */
const latin1 = (s: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: CR, LF and NUL cannot be in a header value
  Buffer.from(s.replace(/[\r\n\u0000]/g, ' ')).toString('latin1');

/** A path segment: an existing id, an abusive one, raw (unencoded) abuse, or encoded junk. */
function segment(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...ctx.ids), weight: 6 },
    { arbitrary: nastyShortString.map(enc), weight: 3 },
    { arbitrary: nastyNumber.map((n) => enc(String(n))), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        '%',
        '%ZZ',
        '%2F',
        '%2e%2e',
        '..',
        '%00',
        '%E0%A4%A',
        'a'.repeat(5000),
        ';x=1',
        '*',
      ),
      weight: 2,
    },
  );
}

/** A query value: absent, hostile, repeated, or an existing id. */
function queryPart(names: readonly string[], ctx: FuzzContext): fc.Arbitrary<string> {
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...(names.length ? names : ['q'])), weight: 5 },
    { arbitrary: nastyShortString.map(enc), weight: 1 },
    { arbitrary: fc.constantFrom('__proto__', 'constructor', 'a[b]', 'a[]'), weight: 1 },
  );
  const value = fc.oneof(
    { arbitrary: nastyShortString.map(enc), weight: 4 },
    { arbitrary: fc.constant('q'.repeat(10_000)), weight: 1 },
    { arbitrary: nastyNumber.map((n) => enc(String(n))), weight: 2 },
    { arbitrary: fc.constantFrom(...ctx.ids), weight: 3 },
    { arbitrary: fc.constantFrom('%', '%ZZ', '%2F', '&', '='), weight: 2 },
  );
  return fc
    .array(
      fc.tuple(name, value).map(([k, v]) => `${k}=${v}`),
      { maxLength: 6 },
    )
    .map((parts) => (parts.length ? `?${parts.join('&')}` : ''));
}

/** The credentials: admin, an app key, none, or a broken header. */
function authHeader(ctx: FuzzContext): fc.Arbitrary<[string, string][]> {
  return fc.oneof(
    {
      arbitrary: fc.constant([['authorization', `Bearer ${ctx.adminToken}`]] as [string, string][]),
      weight: 4,
    },
    { arbitrary: fc.constant([['authorization', `Bearer ${ctx.appKey}`]] as [string, string][]), weight: 4 },
    { arbitrary: fc.constant([] as [string, string][]), weight: 1 },
    {
      arbitrary: fc
        .constantFrom(
          'Bearer',
          'Bearer ',
          'Basic YWRtaW46YWRtaW4=',
          `Bearer ${ctx.adminToken} extra`,
          `bearer ${ctx.adminToken.toUpperCase()}`,
          `Bearer ${'a'.repeat(10_000)}`,
          'Bearer pk_\u00ff\u00fe',
          `Bearer ${ctx.appKey}x`,
        )
        .map((v) => [['authorization', latin1(v)]] as [string, string][]),
      weight: 2,
    },
  );
}

/** Extra headers: declared ones with hostile values, huge ones, odd content lengths. */
function extraHeaders(op: FuzzOperation): fc.Arbitrary<[string, string][]> {
  const names = [
    ...op.headerParams,
    'x-request-id',
    'idempotency-key',
    'x-actor',
    'accept',
    'x-forwarded-for',
  ];
  return fc.array(
    fc.oneof(
      { arbitrary: fc.tuple(fc.constantFrom(...names), nastyShortString.map(latin1)), weight: 5 },
      { arbitrary: fc.constant(['x-big', 'h'.repeat(8000)] as [string, string]), weight: 1 },
      {
        arbitrary: fc.tuple(
          fc.constant('content-length'),
          fc.constantFrom('0', '-1', 'abc', '99999999999', '1'),
        ),
        weight: 1,
      },
      {
        arbitrary: fc.tuple(fc.constant('transfer-encoding'), fc.constantFrom('chunked', 'gzip', 'x')),
        weight: 1,
      },
    ),
    { maxLength: 3 },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'text/csv',
  'multipart/form-data; boundary=x',
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'application/jsonx',
  '*/*',
  ';;;',
];

/** A body for the operation: near-valid JSON, hostile JSON, broken text, CSV, or none. */
function body(op: FuzzOperation): fc.Arbitrary<{ type?: string; text?: string }> {
  const json = nastyJsonText(op.fieldNames);
  const declared = op.bodyTypes.length ? op.bodyTypes : ['application/json'];
  const type = fc.oneof(
    { arbitrary: fc.constantFrom(...declared), weight: 6 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 2 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
  const csv = op.bodyTypes.includes('text/csv');
  const text = fc.oneof(
    { arbitrary: json, weight: 8 },
    { arbitrary: brokenJsonText, weight: 2 },
    { arbitrary: csv ? brokenCsv : nastyString, weight: csv ? 6 : 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    // Past the JSON limit (4 MiB): rare, it is costly to generate.
    { arbitrary: fc.constant(`{"a":"${'x'.repeat(4.5 * 1024 * 1024)}"}`), weight: 1, depthSize: 'small' },
  );
  const rare = fc.nat(400).map((n) => n === 0);
  return fc.tuple(type, text, rare).map(([t, x, keepHuge]) => {
    // The huge body only one case in ~400 of those that drew it.
    const body = x !== undefined && x.length > 4 * 1024 * 1024 && !keepHuge ? '{"a":1}' : x;
    return { ...(t === undefined ? {} : { type: t }), ...(body === undefined ? {} : { text: body }) };
  });
}

/** A small seeded PRNG (mulberry32): the case mixer must be reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The cases of one operation, reproducible from `seed`: pools of hostile paths (segments and
 * queries), credentials, extra headers and bodies (for GETs none) are drawn with fast-check, and
 * case `i` mixes one of each, picked by a seeded generator. Mixing pools keeps 20,000 cases a
 * route cheap to make while every combination of path, credential, header and body abuse occurs.
 *
 * @example const next = fuzzCases(op, ctx, 42); const first = next(); const second = next();
 */
export function fuzzCases(op: FuzzOperation, ctx: FuzzContext, seed: number, pool = 1500): () => FuzzRequest {
  const draw = <T>(arb: fc.Arbitrary<T>, n: number, k: number) =>
    fc.sample(arb, { numRuns: n, seed: seed + k });
  const segs = draw(
    op.pathParams.length ? fc.tuple(...op.pathParams.map(() => segment(ctx))) : fc.constant([] as string[]),
    op.pathParams.length ? pool : 1,
    1,
  );
  const queries = draw(queryPart(op.queryParams, ctx), op.queryParams.length ? pool : pool / 5, 2);
  const auths = draw(authHeader(ctx), 200, 3);
  const extras = draw(extraHeaders(op), pool / 3, 4);
  const hasBody = op.method !== 'GET' && op.method !== 'HEAD';
  const bodies = hasBody ? draw(body(op), pool, 5) : [{}];
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return () => {
    const seg = pick(segs);
    let i = 0;
    const slash = rnd() < 0.05 ? '/' : '';
    const path = op.path.replace(/\{[^}]+\}/g, () => seg[i++] ?? 'x') + slash;
    const b = pick(bodies) as { type?: string; text?: string };
    const headers: [string, string][] = [...pick(auths), ...pick(extras)];
    if (b.type) headers.push(['content-type', b.type]);
    return {
      method: op.method,
      url: `${path}${pick(queries)}`,
      headers,
      ...(b.text === undefined ? {} : { body: b.text }),
    };
  };
}
