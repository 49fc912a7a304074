// The frame of one config section's form: it PATCHes that section alone and shows what the API
// said — the fields a 422 names, or that it was saved.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { OkNotice } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { type LiveConfig, saveConfig } from './config-data.ts';
import { IssueList } from './config-issues.tsx';

/**
 * A section form: `value()` builds the section from the fields (or throws an Error whose message
 * is shown, for what cannot even be sent); `onSaved` gets the config in force afterwards.
 */
export function SectionForm<K extends keyof LiveConfig>(props: {
  section: K;
  title: string;
  hint?: string;
  value: () => LiveConfig[K];
  onSaved: (c: LiveConfig) => void;
  children: ComponentChildren;
}) {
  const [error, setError] = useState<unknown>();
  const [ok, setOk] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = `cfg-${props.section}`;
  return (
    <form
      class="card"
      data-testid={id}
      aria-labelledby={`${id}-title`}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setOk(false);
        setError(undefined);
        try {
          const patch = { [props.section]: props.value() } as Partial<LiveConfig>;
          props.onSaved(await saveConfig('PATCH', patch));
          setOk(true);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id={`${id}-title`}>{props.title}</h2>
      {props.hint ? <p class="muted">{props.hint}</p> : null}
      <div class="grid">{props.children}</div>
      <IssueList error={error} testId={`${id}-errors`} />
      {ok ? <OkNotice testId={`${id}-ok`}>{tc('saved')}</OkNotice> : null}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy} data-testid={`${id}-save`}>
          {tc('save')}
        </button>
      </div>
    </form>
  );
}

/** `a, b c` → ['a', 'b', 'c']. */
export const tokens = (s: string): string[] => s.split(/[\s,，]+/).filter(Boolean);

/** Lines of `key = value` (blank lines skipped) as pairs; a line without `=` throws. */
export function pairs(s: string, bad: (line: string) => string): [string, string][] {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const at = l.indexOf('=');
      if (at < 0) throw new Error(bad(l));
      return [l.slice(0, at).trim(), l.slice(at + 1).trim()];
    });
}
