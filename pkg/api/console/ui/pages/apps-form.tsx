// The create / edit dialog of an app: name, rate limit, status callback URL and states.
import { useState } from 'preact/hooks';
import { STATES, type State } from '../../../../domain/states.ts';
import { api } from '../api.ts';
import { Dialog, ErrorNotice, Field } from '../components.tsx';
import { ta } from '../i18n/apps.ts';
import { tc } from '../i18n/common.ts';
import { fieldErrors } from '../schema-form.tsx';

/** An app as the admin API answers it (the key itself only in create / rotate answers). */
export type App = {
  id: number;
  name: string;
  apiKeyHint: string;
  rateLimit: number | null;
  callbackUrl: string | null;
  callbackStates: State[] | null;
  callbackSecretHint: string | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
};

/** An answer that may carry secrets shown once. */
export type AppAnswer = App & { apiKey?: string; callbackSecret?: string };

/** Numbers that do not parse go to the API as typed, so its 422 names the field. */
const numberOrText = (v: string): number | string => (Number.isNaN(Number(v)) ? v : Number(v));

/** Creates an app (no `app`) or changes one; `onSaved` gets the answer with any secret in it. */
export function AppForm(props: { app?: App; onClose: () => void; onSaved: (a: AppAnswer) => void }) {
  const { app } = props;
  const [name, setName] = useState(app?.name ?? '');
  const [rate, setRate] = useState(app?.rateLimit === null || !app ? '' : String(app.rateLimit));
  const [url, setUrl] = useState(app?.callbackUrl ?? '');
  const [states, setStates] = useState<State[]>(app?.callbackStates ?? []);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const bad = fieldErrors(error);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const body: Record<string, unknown> = {
      name,
      rateLimit: rate.trim() ? numberOrText(rate.trim()) : null,
      callbackUrl: url.trim() || null,
    };
    if (url.trim() && states.length) body.callbackStates = states;
    try {
      const saved = app
        ? await api<AppAnswer>(`/v1/admin/apps/${app.id}`, { method: 'PATCH', body })
        : await api<AppAnswer>('/v1/admin/apps', { body });
      props.onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const hint = (path: string, text?: string) =>
    bad[path] ? <span class="bad-text">{bad[path]}</span> : text;
  return (
    <Dialog
      title={app ? ta('editTitle', { name: app.name }) : ta('new')}
      onClose={props.onClose}
      testId="app-dialog"
    >
      <form onSubmit={submit} noValidate>
        <div class="grid">
          <Field label={`${tc('name')} *`} hint={hint('name')}>
            <input
              data-testid="app-name"
              value={name}
              aria-required="true"
              aria-invalid={bad.name ? 'true' : 'false'}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
          <Field label={ta('rateLimit')} hint={hint('rateLimit', ta('rateLimitHint'))}>
            <input
              data-testid="app-rate"
              type="number"
              min={1}
              value={rate}
              aria-invalid={bad.rateLimit ? 'true' : 'false'}
              onInput={(e) => setRate(e.currentTarget.value)}
            />
          </Field>
          <Field label={ta('callbackUrl')} hint={hint('callbackUrl', ta('callbackUrlHint'))} wide>
            <input
              data-testid="app-callback"
              type="url"
              inputMode="url"
              placeholder="https://shop.example.com/push-status"
              value={url}
              aria-invalid={bad.callbackUrl ? 'true' : 'false'}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          </Field>
        </div>
        {url.trim() ? (
          <fieldset class="app-states">
            <legend>{ta('callbackStates')}</legend>
            <p class="field-hint">{ta('callbackStatesHint')}</p>
            {STATES.map((s) => (
              <label class="check" key={s}>
                <input
                  type="checkbox"
                  data-testid={`app-state-${s}`}
                  checked={states.includes(s)}
                  onChange={(e) =>
                    setStates(e.currentTarget.checked ? [...states, s] : states.filter((x) => x !== s))
                  }
                />
                <span class="mono">{s}</span>
              </label>
            ))}
          </fieldset>
        ) : null}
        <ErrorNotice error={error} testId="app-error" />
        <div class="form-actions">
          <button type="button" onClick={props.onClose}>
            {tc('cancel')}
          </button>
          <button type="submit" class="primary" data-testid="app-save" disabled={busy}>
            {busy ? ta('saving') : app ? tc('save') : tc('create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
