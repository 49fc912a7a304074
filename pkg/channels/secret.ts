import { z } from 'zod';

/**
 * Marks a config field as a secret. The mark lives in the schema (JSON Schema `writeOnly`), and
 * everything that must treat secrets specially derives from it: masking in API answers, keeping
 * the stored value when a form sends the masked text back, redaction in logs, `writeOnly` in
 * `GET /v1/admin/providers`. No key-name guessing.
 *
 * @example const config = z.object({ appId: z.string(), appSecret: secret(z.string().min(1)) });
 */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ writeOnly: true }) as T;
}

/** A path into a config: object keys, `*` for any array element or record value. */
export type SecretPath = readonly string[];

type JsonSchema = {
  writeOnly?: boolean;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/**
 * The JSON Schema of a config or content schema (input side: what a form sends), as
 * `GET /v1/admin/providers` serves it.
 *
 * @example jsonSchemaOf(z.object({ a: secret(z.string()) })).properties.a.writeOnly // true
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/**
 * Every path of a schema that is marked {@link secret} (a secret object: everything under it).
 *
 * @example secretPaths(z.object({ a: secret(z.string()), b: z.object({ c: secret(z.string()) }) }))
 * // [['a'], ['b', 'c']]
 */
export function secretPaths(schema: z.ZodType): SecretPath[] {
  const out: SecretPath[] = [];
  const walk = (s: JsonSchema | boolean | undefined, path: string[]): void => {
    if (!s || s === true) return;
    if (s.writeOnly) {
      out.push(path);
      return;
    }
    for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, [...path, k]);
    if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, [...path, '*']);
    if (s.items) walk(s.items, [...path, '*']);
    for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(alt, path);
  };
  walk(jsonSchemaOf(schema) as JsonSchema, []);
  // One path once (union alternatives may name it twice).
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = p.join('\u0000');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Whether `path` (concrete keys) is at or under one of `paths` (`*` matches any key). */
export function isSecretPath(paths: readonly SecretPath[], path: readonly string[]): boolean {
  return paths.some((p) => p.length <= path.length && p.every((seg, i) => seg === '*' || seg === path[i]));
}
