// Sign-in: the admin token in a password field, checked against the API before it is kept.
import { useState } from 'preact/hooks';
import { ApiError, api, signIn, signOutReason } from '../api.ts';
import { errorText } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { LanguageSwitch } from '../lang-switch.tsx';

export function SignIn() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(signOutReason.value);
  const [busy, setBusy] = useState(false);
  return (
    <div class="signin">
      <form
        class="card signin-card"
        data-testid="signin-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const t = value.trim();
          if (!t) return;
          setBusy(true);
          setError(null);
          try {
            // Any admin read proves the token; it is kept only once the server accepts it.
            await api('/v1/admin/apps', { query: { limit: 1 }, headers: { authorization: `Bearer ${t}` } });
            signIn(t);
          } catch (err) {
            setError(err instanceof ApiError ? err.message : errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="signin-head">
          <h1>{tc('brand')}</h1>
          <LanguageSwitch />
        </div>
        <label class="field wide">
          <span class="field-label">{tc('signin.token')}</span>
          <input
            id="admin-token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={value}
            onInput={(e) => setValue(e.currentTarget.value)}
            required
          />
          <span class="field-hint">{tc('signin.hint')}</span>
        </label>
        {error ? (
          <p class="notice bad" role="alert" data-testid="signin-error">
            {tc('signin.rejected', { reason: error })}
          </p>
        ) : null}
        <button type="submit" class="primary" id="signin-submit" disabled={busy}>
          {tc('signin.submit')}
        </button>
      </form>
    </div>
  );
}
