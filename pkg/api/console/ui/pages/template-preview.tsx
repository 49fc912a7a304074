// The editor's live preview: the draft's content rendered by the API with the sample variables,
// a moment after the last keystroke. Rendered text is shown as text (an email's HTML too: its
// markup is displayed, never run or styled inside the console).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorNotice } from '../components.tsx';
import { tt } from '../i18n/templates.ts';

type Preview = { content: unknown; placeholders: string[] };

// The API's placeholder syntax (pkg/domain/render.ts): `{$name}` and `{{ name }}`.
const PLACEHOLDER = /\{\$([A-Za-z_][\w.-]*)\}|\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

/** Placeholder names used anywhere in `content`. */
function namesIn(content: unknown, out = new Set<string>()): Set<string> {
  if (typeof content === 'string') for (const m of content.matchAll(PLACEHOLDER)) out.add((m[1] ?? m[2])!);
  else if (Array.isArray(content)) for (const v of content) namesIn(v, out);
  else if (content && typeof content === 'object') for (const v of Object.values(content)) namesIn(v, out);
  return out;
}

/** The rendered content, one block per top-level field. */
function Rendered(props: { content: unknown }) {
  const c = props.content;
  if (!c || typeof c !== 'object' || Array.isArray(c))
    return <pre data-testid="preview-output">{JSON.stringify(c, null, 2)}</pre>;
  return (
    <dl class="tpl-rendered" data-testid="preview-output">
      {Object.entries(c).map(([k, v]) => (
        <div key={k}>
          <dt class="muted">{k}</dt>
          <dd>
            <pre data-testid={`preview-${k}`}>{typeof v === 'string' ? v : JSON.stringify(v, null, 2)}</pre>
          </dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * Renders `content` of `channel` with `variables` through `POST /v1/admin/templates/preview`
 * (debounced). A placeholder without a sample value is shown as itself and named, so the
 * preview never fails while the operator is still typing.
 *
 * @example <TemplatePreview channel="sandbox" content={{ text: 'Hi {$name}' }} variables={{ name: 'Ann' }} />
 */
export function TemplatePreview(props: { channel: string; content: unknown; variables: unknown }) {
  const [state, setState] = useState<{ preview?: Preview; error?: unknown; missing: string[] }>({
    missing: [],
  });
  const key = JSON.stringify([props.channel, props.content, props.variables]);
  useEffect(() => {
    const ctl = new AbortController();
    const timer = setTimeout(async () => {
      const given =
        props.variables && typeof props.variables === 'object'
          ? (props.variables as Record<string, unknown>)
          : {};
      const missing = [...namesIn(props.content)].filter((n) => given[n] === undefined || given[n] === null);
      const variables = { ...given, ...Object.fromEntries(missing.map((n) => [n, `{$${n}}`])) };
      try {
        const preview = await api<Preview>('/v1/admin/templates/preview', {
          body: { channel: props.channel, content: props.content, variables },
          signal: ctl.signal,
        });
        setState({ preview, missing });
      } catch (error) {
        if (!ctl.signal.aborted) setState({ error, missing });
      }
    }, 400);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [key]);
  const { preview, error, missing } = state;
  return (
    <section class="card tpl-preview" aria-live="polite" data-testid="template-preview">
      <h2>{tt('preview.title')}</h2>
      <ErrorNotice error={error} testId="preview-error" />
      {preview ? (
        <>
          <p data-testid="preview-placeholders">
            <span class="muted">{tt('preview.placeholders')} </span>
            {preview.placeholders.length ? (
              preview.placeholders.map((p) => (
                <code key={p} class={missing.includes(p) ? 'tpl-ph missing' : 'tpl-ph'}>
                  {p}
                </code>
              ))
            ) : (
              <span class="muted">{tt('preview.none')}</span>
            )}
          </p>
          {missing.length ? (
            <p class="notice warn" data-testid="preview-missing">
              {tt('preview.missing', { names: missing.join(', ') })}
            </p>
          ) : null}
          <Rendered content={preview.content} />
        </>
      ) : error ? null : (
        <p class="muted">{tt('preview.waiting')}</p>
      )}
    </section>
  );
}
