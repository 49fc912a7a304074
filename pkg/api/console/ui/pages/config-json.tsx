// The whole live config as JSON, saved with PUT (sections left out take their defaults). The
// sensitive-words dictionary (up to 100,000 words) is left out of the text and kept as it is:
// it has its own tab.
import { useState } from 'preact/hooks';
import { Field, OkNotice } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { tg } from '../i18n/ops.ts';
import { type LiveConfig, saveConfig } from './config-data.ts';
import { IssueList } from './config-issues.tsx';

/** The JSON editor; `onSaved` gets the config in force after a PUT. */
export function ConfigJson(props: { config: LiveConfig; onSaved: (c: LiveConfig) => void }) {
  const { sensitiveWords, ...rest } = props.config;
  const [text, setText] = useState(() => JSON.stringify(rest, null, 2));
  const [bad, setBad] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [ok, setOk] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card"
      data-testid="cfg-json-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setOk(false);
        setError(undefined);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          setBad((err as Error).message);
          setBusy(false);
          return;
        }
        try {
          const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
          const body = (isObject ? { ...(value as object), sensitiveWords } : value) as LiveConfig;
          props.onSaved(await saveConfig('PUT', body));
          setOk(true);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <Field
        label={tg('json.label')}
        hint={bad ? <span class="bad-text">{bad}</span> : tg('json.hint', { n: sensitiveWords.words.length })}
        wide
      >
        <textarea
          class="mono"
          rows={24}
          spellcheck={false}
          value={text}
          aria-invalid={bad ? 'true' : 'false'}
          data-testid="cfg-json"
          onInput={(e) => {
            setText(e.currentTarget.value);
            setBad(null);
          }}
        />
      </Field>
      <IssueList error={error} testId="cfg-json-errors" />
      {ok ? <OkNotice testId="cfg-json-ok">{tc('saved')}</OkNotice> : null}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy} data-testid="cfg-json-save">
          {tg('json.save')}
        </button>
      </div>
    </form>
  );
}
