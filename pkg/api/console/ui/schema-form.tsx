// A form generated from a JSON Schema (a provider's account config, GET /v1/admin/providers).
// The form edits a draft of raw input values; `configOf` turns it into what the API takes.
// Secrets (`writeOnly`) are never filled in from a read, and neither is anything masked (`***`):
// left empty on edit they are left out of the patch, which keeps the stored value.
import type { JSX } from 'preact';
import { ApiError } from './api.ts';
import { Field } from './components.tsx';
import { tac } from './i18n/accounts.ts';

/** The part of JSON Schema the providers' configs use. */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  writeOnly?: boolean;
  title?: string;
  description?: string;
  default?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

/** A draft value: text (strings, numbers, lists one per line), a box, a nested draft or map rows. */
export type DraftValue = string | boolean | Draft | [string, string][];
export type Draft = { [key: string]: DraftValue };

type Config = Record<string, unknown>;
const MASK = '***';

type Kind = 'object' | 'map' | 'boolean' | 'enum' | 'list' | 'number' | 'text';
function kindOf(s: JsonSchema): Kind {
  if (s.properties) return 'object';
  if (s.type === 'object') return 'map';
  if (s.enum) return 'enum';
  if (s.type === 'boolean') return 'boolean';
  if (s.type === 'array') return 'list';
  if (s.type === 'number' || s.type === 'integer') return 'number';
  return 'text';
}

const isObj = (v: unknown): v is Config => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown): string => (v === undefined || v === null || v === MASK ? '' : String(v));

/**
 * The draft of an object schema: from `config` when editing (secrets and masked values left
 * empty), else empty (defaults stay the server's, shown as placeholders).
 *
 * @example draftOf(provider.configSchema, account.config)
 */
export function draftOf(schema: JsonSchema, config: Config = {}): Draft {
  const out: Draft = {};
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const v = config[k];
    const kind = kindOf(s);
    if (kind === 'object') out[k] = draftOf(s, isObj(v) ? v : {});
    else if (kind === 'map') {
      const secret = typeof s.additionalProperties === 'object' && s.additionalProperties.writeOnly;
      out[k] = Object.entries(isObj(v) ? v : {}).map(([mk, mv]) => [mk, secret ? '' : shown(mv)]);
    } else if (kind === 'boolean') out[k] = typeof v === 'boolean' ? v : s.default === true;
    else if (s.writeOnly) out[k] = '';
    else if (kind === 'list') out[k] = Array.isArray(v) ? v.filter((x) => x !== MASK).join('\n') : '';
    else out[k] = shown(v);
  }
  return out;
}

/**
 * The config (create) or config patch (edit: `stored` is the masked config read) of a draft.
 * On edit an emptied field is sent as `null` (removed), an empty secret is left out (kept).
 * Numbers that do not parse are sent as typed, so the API's 422 names the field.
 */
export function configOf(schema: JsonSchema, draft: Draft, stored?: Config): Config {
  const out: Config = {};
  for (const [k, s] of Object.entries(schema.properties ?? {})) {
    const d = draft[k];
    const had = stored !== undefined && stored[k] !== undefined && stored[k] !== null;
    const kind = kindOf(s);
    if (kind === 'object') {
      const sub = configOf(s, (d as Draft) ?? {}, stored ? (isObj(stored[k]) ? stored[k] : {}) : undefined);
      if (Object.keys(sub).length) out[k] = sub;
    } else if (kind === 'map') {
      const rows = ((d as [string, string][]) ?? []).filter(([mk]) => mk.trim());
      const before = had && isObj(stored?.[k]) ? (stored[k] as Config) : {};
      const map: Config = {};
      // An entry kept with its value left empty is sent masked, which keeps the stored value.
      for (const [mk, mv] of rows) map[mk.trim()] = mv === '' && mk.trim() in before ? MASK : mv;
      // Deep merge on the server: a stored entry no longer listed must be removed by name.
      for (const old of Object.keys(before)) if (!(old in map)) map[old] = null;
      if (Object.keys(map).length) out[k] = map;
    } else if (kind === 'boolean') out[k] = d === true;
    else if (d === '' || d === undefined) {
      if (!s.writeOnly && had) out[k] = null;
    } else if (kind === 'list') {
      out[k] = String(d)
        .split('\n')
        .map((x) => x.trim())
        .filter(Boolean);
    } else if (kind === 'number') out[k] = Number.isNaN(Number(d)) ? d : Number(d);
    else out[k] = d;
  }
  return out;
}

function hintOf(s: JsonSchema, editing: boolean): string {
  const parts: string[] = [];
  if (s.description) parts.push(s.description);
  if (s.writeOnly) parts.push(editing ? tac('secretKeep') : tac('secretNew'));
  if (s.type === 'array') parts.push(tac('onePerLine'));
  if (s.minimum !== undefined && s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER)
    parts.push(tac('range', { min: s.minimum, max: s.maximum }));
  else if (s.minimum !== undefined) parts.push(tac('min', { min: s.minimum }));
  if (s.format) parts.push(tac('format', { v: s.format }));
  const pattern = s.pattern ?? s.anyOf?.find((a) => a.pattern)?.pattern;
  if (pattern) parts.push(tac('pattern', { v: pattern }));
  if (s.default !== undefined && s.type !== 'boolean' && !Array.isArray(s.default))
    parts.push(tac('defaultIs', { v: String(s.default) }));
  return parts.join(' · ');
}

type Props = {
  schema: JsonSchema;
  draft: Draft;
  onDraft: (d: Draft) => void;
  /** Editing a stored account: secrets left empty are kept. */
  editing: boolean;
  /** API validation messages by path under the config (`host`, `headers.X-Key`). */
  errors: Record<string, string>;
  path?: string;
};

/** The generated fields of an object schema (nested objects as fieldsets). */
export function SchemaForm(props: Props) {
  const { schema, draft, onDraft, path = '' } = props;
  const required = new Set(schema.required ?? []);
  return (
    <div class="grid schema-form">
      {Object.entries(schema.properties ?? {}).map(([k, s]) => {
        const p = path ? `${path}.${k}` : k;
        const set = (v: DraftValue) => onDraft({ ...draft, [k]: v });
        const label = `${s.title ?? k}${required.has(k) ? ' *' : ''}`;
        const error = props.errors[p];
        const hint = error ? <span class="bad-text">{error}</span> : hintOf(s, props.editing) || undefined;
        const kind = kindOf(s);
        if (kind === 'object')
          return (
            <fieldset key={k} class="field wide">
              <legend>{label}</legend>
              <SchemaForm {...props} schema={s} draft={(draft[k] as Draft) ?? {}} onDraft={set} path={p} />
            </fieldset>
          );
        if (kind === 'map')
          return (
            <MapField
              key={k}
              label={label}
              path={p}
              secret={typeof s.additionalProperties === 'object' && !!s.additionalProperties.writeOnly}
              rows={(draft[k] as [string, string][]) ?? []}
              onRows={set}
              hint={hint}
            />
          );
        if (kind === 'boolean')
          return (
            <label key={k} class="check">
              <input
                type="checkbox"
                data-testid={`cfg-${p}`}
                checked={draft[k] === true}
                onChange={(e) => set(e.currentTarget.checked)}
              />
              <span>{label}</span>
              {hint ? <span class="field-hint">{hint}</span> : null}
            </label>
          );
        const common = {
          'data-testid': `cfg-${p}`,
          value: String(draft[k] ?? ''),
          'aria-invalid': error ? ('true' as const) : ('false' as const),
          'aria-required': required.has(k) && !(s.writeOnly && props.editing),
        };
        const onInput = (e: JSX.TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) =>
          set(e.currentTarget.value);
        let control: JSX.Element;
        if (kind === 'enum')
          control = (
            <select {...common} onChange={onInput}>
              <option value="">{tac('useDefault')}</option>
              {(s.enum ?? []).map((v) => (
                <option key={String(v)} value={String(v)}>
                  {String(v)}
                </option>
              ))}
            </select>
          );
        else if (kind === 'list') control = <textarea {...common} rows={3} onInput={onInput} />;
        else
          control = (
            <input
              {...common}
              type={s.writeOnly ? 'password' : kind === 'number' ? 'number' : 'text'}
              autocomplete={s.writeOnly ? 'new-password' : 'off'}
              placeholder={s.default !== undefined && !s.writeOnly ? String(s.default) : undefined}
              onInput={onInput}
            />
          );
        return (
          <Field key={k} label={label} hint={hint} wide={kind === 'list'}>
            {control}
          </Field>
        );
      })}
    </div>
  );
}

/** Name/value rows of a map (e.g. extra HTTP headers); secret values are password inputs. */
function MapField(props: {
  label: string;
  path: string;
  secret: boolean;
  rows: [string, string][];
  onRows: (rows: [string, string][]) => void;
  hint?: JSX.Element | string;
}) {
  const { rows, onRows } = props;
  const put = (i: number, at: 0 | 1, v: string) =>
    onRows(rows.map((r, j) => (j === i ? (at === 0 ? [v, r[1]] : [r[0], v]) : r)));
  return (
    <fieldset class="field wide">
      <legend>{props.label}</legend>
      {rows.map(([mk, mv], i) => (
        // Rows have no identity but their place; the inputs are controlled, so a shift re-renders right.
        <div class="row" key={i}>
          <Field label={tac('mapKey')}>
            <input value={mk} onInput={(e) => put(i, 0, e.currentTarget.value)} />
          </Field>
          <Field label={tac('mapValue')}>
            <input
              type={props.secret ? 'password' : 'text'}
              autocomplete={props.secret ? 'new-password' : 'off'}
              value={mv}
              onInput={(e) => put(i, 1, e.currentTarget.value)}
            />
          </Field>
          <button type="button" onClick={() => onRows(rows.filter((_, j) => j !== i))}>
            {tac('mapRemove')}
          </button>
        </div>
      ))}
      <button type="button" data-testid={`cfg-${props.path}-add`} onClick={() => onRows([...rows, ['', '']])}>
        {tac('mapAdd')}
      </button>
      {props.hint ? <p class="field-hint">{props.hint}</p> : null}
    </fieldset>
  );
}

/**
 * The messages of a 422's `details` by path, with `prefix.` cut off (`config.host` → `host`
 * for prefix `config`); paths outside the prefix are left out.
 *
 * @example fieldErrors(err, 'config') // { accessToken: 'Invalid string: must match pattern …' }
 */
export function fieldErrors(err: unknown, prefix = ''): Record<string, string> {
  const details = err instanceof ApiError && Array.isArray(err.details) ? err.details : [];
  const out: Record<string, string> = {};
  for (const d of details as { path?: unknown; message?: unknown }[]) {
    const path = typeof d.path === 'string' ? d.path : '';
    const message = typeof d.message === 'string' ? d.message : '';
    if (!prefix) out[path] = message;
    else if (path.startsWith(`${prefix}.`)) out[path.slice(prefix.length + 1)] = message;
  }
  return out;
}
