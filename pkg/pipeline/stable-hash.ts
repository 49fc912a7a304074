import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so equal values always serialise equally
 * (`{a,b}` and `{b,a}` are the same content).
 *
 * @example stableStringify({ b: 1, a: [{ d: 2, c: 3 }] }) // '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function stableStringify(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .filter((k) => o[k] !== undefined)
          .sort()
          .map((k) => [k, norm(o[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value)) ?? 'null';
}

/**
 * sha256 (base64url) of the stable JSON of the parts: a fixed-length key fragment.
 *
 * @example stableHash('email', 'a@x.com', { subject: 'Hi' }) // 'k3J…' (43 chars)
 */
export function stableHash(...parts: unknown[]): string {
  return createHash('sha256').update(stableStringify(parts)).digest('base64url');
}
