/**
 * Limits of free-form JSON taken from callers (send variables, template content, account config,
 * the live config). One rule for every entry point: a value nested deeper than `maxDepth` or
 * larger than `maxBytes` is refused with 422 naming the path, before anything walks it
 * recursively (rendering, hashing, encoding, `JSON.stringify` all overflow the stack somewhere
 * past a few thousand levels, and a 500 or a delivery redelivered forever is the result).
 */
export type JsonLimits = Readonly<{ maxDepth: number; maxBytes: number }>;

/** Why a value is outside its limits. */
export type JsonLimitCode = 'TOO_DEEP' | 'TOO_LARGE';

/** The first place a value breaks its limits: `path` from the value's root (keys, array indexes). */
export type JsonLimitIssue = Readonly<{ code: JsonLimitCode; path: (string | number)[]; message: string }>;

/** Default nesting depth: far more than any real template or config, far less than the stack. */
export const MAX_JSON_DEPTH = 32;

/**
 * The limits per kind of input. `maxBytes` counts the JSON text (UTF-8) of the value.
 *
 * @example jsonLimitIssue(body.variables, JSON_LIMITS.variables)
 */
export const JSON_LIMITS = Object.freeze({
  /** One message's `variables` on `/v1/send` (and preview/test sends). */
  variables: { maxDepth: MAX_JSON_DEPTH, maxBytes: 65_536 },
  /** A template's `content`. */
  content: { maxDepth: MAX_JSON_DEPTH, maxBytes: 1_048_576 },
  /** A channel account's `config` (sealed it must fit a TEXT column). */
  config: { maxDepth: MAX_JSON_DEPTH, maxBytes: 32_000 },
  /** The live config document (the request body limit bounds its size). */
  liveConfig: { maxDepth: MAX_JSON_DEPTH, maxBytes: 1_048_576 },
} satisfies Record<string, JsonLimits>);

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * The first limit `value` breaks, or undefined. Walks iteratively (no recursion, so any depth is
 * safe to check) and stops at the first level past `maxDepth`. Depth counts containers: `{}` is
 * 1, `{ a: [] }` is 2; scalars at the root are 0.
 *
 * @example jsonLimitIssue({ a: { b: 1 } }, { maxDepth: 1, maxBytes: 100 })
 * // { code: 'TOO_DEEP', path: ['a'], message: 'nested deeper than 1 levels' }
 */
export function jsonLimitIssue(value: unknown, limits: JsonLimits): JsonLimitIssue | undefined {
  let bytes = 0;
  const tooLarge = (): JsonLimitIssue => ({
    code: 'TOO_LARGE',
    path: [],
    message: `larger than ${limits.maxBytes} bytes of JSON`,
  });
  // Each stack entry: a value, its depth (containers above and including it) and its path.
  const stack: { v: unknown; depth: number; path: (string | number)[] }[] = [
    { v: value, depth: 0, path: [] },
  ];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === 'string') bytes += utf8Bytes(v) + 2;
    else if (typeof v === 'number' || typeof v === 'boolean') bytes += String(v).length;
    else if (v === null || v === undefined) bytes += 4;
    else if (typeof v === 'object') {
      const d = depth + 1;
      if (d > limits.maxDepth) {
        return { code: 'TOO_DEEP', path, message: `nested deeper than ${limits.maxDepth} levels` };
      }
      bytes += 2;
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: d, path: [...path, i] });
        bytes += v.length;
      } else {
        for (const [k, x] of Object.entries(v)) {
          bytes += utf8Bytes(k) + 4;
          stack.push({ v: x, depth: d, path: [...path, k] });
        }
      }
    }
    if (bytes > limits.maxBytes) return tooLarge();
  }
  return undefined;
}

/**
 * A zod refinement applying {@link jsonLimitIssue}: the issue's path extends the field's, its
 * `params.code` is `TOO_DEEP`/`TOO_LARGE` (carried into the 422's details).
 *
 * @example z.record(z.string(), z.unknown()).superRefine(refineJsonLimits(JSON_LIMITS.variables))
 */
export function refineJsonLimits(limits: JsonLimits) {
  return (
    value: unknown,
    ctx: {
      addIssue(i: { code: 'custom'; path: (string | number)[]; message: string; params: object }): void;
    },
  ): void => {
    const issue = jsonLimitIssue(value, limits);
    if (issue)
      ctx.addIssue({
        code: 'custom',
        path: issue.path,
        message: issue.message,
        params: { code: issue.code },
      });
  };
}
