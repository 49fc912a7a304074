// The per-channel content editor. Its form is derived from the JSON Schema of the provider's
// content (`GET /v1/admin/providers`), so every channel gets its own fields without a form per
// provider: strings as inputs or text areas, enums as selects, a `oneOf` keyed by `type` (IM
// robots: text / markdown / news …) as a kind select, nested parts as small JSON areas. Any
// content can also be edited as one JSON document.
import { useState } from 'preact/hooks';
import { Field, JsonArea } from './components.tsx';
import { tt } from './i18n/templates.ts';

/** The part of JSON Schema the content schemas use. */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  maxLength?: number;
  $ref?: string;
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `type` constants of a discriminated `oneOf`, or undefined when the schema is not one. */
const kindsOf = (s: JsonSchema): string[] | undefined => {
  const ks = s.oneOf?.map((b) => b.properties?.type?.const);
  return ks?.length && ks.every((k) => typeof k === 'string') ? (ks as string[]) : undefined;
};

/** The object schema the form edits for `value` (the chosen branch of a `oneOf`). */
function branchOf(s: JsonSchema, value: Obj): JsonSchema | undefined {
  const kinds = kindsOf(s);
  if (kinds) return s.oneOf?.[Math.max(0, kinds.indexOf(String(value.type)))];
  return s.type === 'object' ? s : undefined;
}

/** `value` as kind `kind`: the fields the new kind also has are kept (text stays text). */
function switchKind(s: JsonSchema, value: Obj, kind: string): Obj {
  const next = s.oneOf?.find((b) => b.properties?.type?.const === kind)?.properties ?? {};
  return Object.fromEntries([
    ['type', kind],
    ...Object.entries(value).filter(([k]) => k !== 'type' && k in next),
  ]);
}

// Free text of any length reads better in a text area than in a one-line input.
const LONG_KEYS = new Set(['html', 'text', 'body', 'content', 'description', 'markdown']);
const isLong = (key: string, s: JsonSchema) => LONG_KEYS.has(key) || (s.maxLength ?? 0) > 300;

/** One field of the form, by its schema. */
function SchemaField(props: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onValue: (v: unknown) => void;
}) {
  const { name, schema: s, value } = props;
  const label = props.required ? `${name} *` : name;
  const id = `content-${name}`;
  if (Array.isArray(s.enum) && s.enum.every((e) => typeof e === 'string'))
    return (
      <Field label={label}>
        <select
          data-testid={id}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => props.onValue(e.currentTarget.value || undefined)}
        >
          <option value="">—</option>
          {(s.enum as string[]).map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </Field>
    );
  if (s.type === 'string') {
    const text = typeof value === 'string' ? value : '';
    const set = (v: string) => props.onValue(v === '' ? undefined : v);
    return (
      <Field label={label} wide={isLong(name, s)}>
        {isLong(name, s) ? (
          <textarea
            class={name === 'html' ? 'mono' : ''}
            rows={name === 'html' ? 8 : 4}
            data-testid={id}
            value={text}
            onInput={(e) => set(e.currentTarget.value)}
          />
        ) : (
          <input data-testid={id} value={text} onInput={(e) => set(e.currentTarget.value)} />
        )}
      </Field>
    );
  }
  if (s.type === 'boolean')
    return (
      <label class="check">
        <input
          type="checkbox"
          data-testid={id}
          checked={value === true}
          onChange={(e) => props.onValue(e.currentTarget.checked || undefined)}
        />
        {name}
      </label>
    );
  // Objects, arrays and unions (SMS providers' parameters, WeChat `data`, webhook `body`).
  return (
    <JsonArea
      key={name}
      label={label}
      rows={4}
      testId={id}
      value={value ?? (s.type === 'array' ? [] : {})}
      onValue={props.onValue}
    />
  );
}

/** The fields of an object schema; a record (sandbox: any object) edits its string entries, `text` first. */
function ObjectForm(props: { schema: JsonSchema; value: Obj; onValue: (v: Obj) => void }) {
  const { schema, value } = props;
  const shape = schema.properties;
  // A branch's `type` constant is chosen with the kind select above the form.
  const entries: [string, JsonSchema][] = shape
    ? Object.entries(shape).filter(([k, s]) => !(k === 'type' && s.const !== undefined))
    : (Object.keys(value).length ? Object.keys(value) : ['text']).map((k) => [k, { type: 'string' }]);
  const set = (k: string, v: unknown) => {
    const next = { ...value };
    if (v === undefined) delete next[k];
    else next[k] = v;
    props.onValue(next);
  };
  return (
    <div class="grid">
      {entries.map(([k, s]) => (
        <SchemaField
          key={k}
          name={k}
          schema={s}
          required={schema.required?.includes(k) ?? false}
          value={value[k]}
          onValue={(v) => set(k, v)}
        />
      ))}
    </div>
  );
}

/**
 * The content of a template: a form from `schema` (the account's provider's content schema),
 * or JSON when the schema has no form (or the operator asks for JSON).
 *
 * @example <ContentEditor schema={provider.contentSchema} value={content} onValue={setContent} />
 */
export function ContentEditor(props: {
  schema: JsonSchema | undefined;
  value: unknown;
  onValue: (v: unknown) => void;
}) {
  const { schema } = props;
  const value = isObj(props.value) ? props.value : {};
  const branch = schema ? branchOf(schema, value) : undefined;
  const [mode, setMode] = useState<'form' | 'json'>('form');
  const shown = branch ? mode : 'json';
  const kinds = schema ? kindsOf(schema) : undefined;
  return (
    <div class="content-editor" data-testid="content-editor">
      <div class="tabs" role="tablist">
        {branch
          ? (['form', 'json'] as const).map((m) => (
              <button
                key={m}
                type="button"
                role="tab"
                aria-selected={shown === m}
                data-testid={`content-mode-${m}`}
                onClick={() => setMode(m)}
              >
                {tt(m === 'form' ? 'content.form' : 'content.json')}
              </button>
            ))
          : null}
      </div>
      {shown === 'json' || !branch ? (
        <JsonArea
          key={JSON.stringify(schema ?? null)}
          label={tt('content.jsonLabel')}
          rows={10}
          testId="content-json"
          value={props.value}
          onValue={props.onValue}
        />
      ) : (
        <>
          {kinds ? (
            <Field label={tt('content.kind')}>
              <select
                data-testid="content-kind"
                value={String(value.type ?? kinds[0])}
                onChange={(e) => props.onValue(switchKind(schema!, value, e.currentTarget.value))}
              >
                {kinds.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
          <ObjectForm
            schema={branch}
            value={value}
            onValue={(v) => props.onValue(kinds ? { type: value.type ?? kinds[0], ...v } : v)}
          />
        </>
      )}
    </div>
  );
}
