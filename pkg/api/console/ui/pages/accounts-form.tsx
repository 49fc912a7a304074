// The create / edit dialog of a channel account: channel → provider → the provider's settings,
// a form generated from its JSON Schema. The API's 422 details show at their fields and above
// the buttons.
import { useState } from 'preact/hooks';
import { CHANNELS, type Channel } from '../../../../domain/channels.ts';
import { api } from '../api.ts';
import { Dialog, ErrorNotice, Field } from '../components.tsx';
import { tac } from '../i18n/accounts.ts';
import { tc } from '../i18n/common.ts';
import { configOf, type Draft, draftOf, fieldErrors, type JsonSchema, SchemaForm } from '../schema-form.tsx';

/** A channel account as the admin API answers it: secrets in `config` masked as `***`. */
export type Account = {
  id: number;
  name: string;
  channel: Channel;
  provider: string;
  config: Record<string, unknown>;
  configUnreadable?: true;
  callbackToken: string;
  rateLimit: number | null;
  rateBurst: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
};

/** A provider of `GET /v1/admin/providers`. */
export type Provider = {
  channel: Channel;
  provider: string;
  title: string;
  configSchema: JsonSchema;
  capabilities: { recall: boolean; receipts: boolean; testConnection: boolean; batch?: number };
};

/** The provider of a channel and name, if listed. */
export const providerOf = (providers: Provider[], channel: string, name: string): Provider | undefined =>
  providers.find((p) => p.channel === channel && p.provider === name);

const numberOrNull = (v: string): number | string | null =>
  v.trim() === '' ? null : Number.isNaN(Number(v)) ? v : Number(v);

/** Creates an account (no `account`) or changes one; `onSaved` gets the answer. */
export function AccountForm(props: {
  account?: Account;
  providers: Provider[];
  onClose: () => void;
  onSaved: (a: Account) => void;
}) {
  const { account, providers } = props;
  const [name, setName] = useState(account?.name ?? '');
  const [channel, setChannel] = useState<string>(account?.channel ?? '');
  const [provider, setProvider] = useState(account?.provider ?? '');
  const [rate, setRate] = useState(account?.rateLimit?.toString() ?? '');
  const [burst, setBurst] = useState(account?.rateBurst?.toString() ?? '');
  const chosen = providerOf(providers, channel, provider);
  const [draft, setDraft] = useState<Draft>(() =>
    chosen ? draftOf(chosen.configSchema, account?.config) : {},
  );
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const bad = fieldErrors(error);
  const choices = providers.filter((p) => p.channel === channel);

  const pick = (c: string, p: string) => {
    setChannel(c);
    setProvider(p);
    const next = providerOf(providers, c, p);
    setDraft(next ? draftOf(next.configSchema) : {});
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const config = chosen ? configOf(chosen.configSchema, draft, account?.config) : {};
    const body: Record<string, unknown> = {
      name,
      rateLimit: numberOrNull(rate),
      rateBurst: numberOrNull(burst),
      config,
    };
    try {
      const saved = account
        ? await api<Account>(`/v1/admin/accounts/${account.id}`, { method: 'PATCH', body })
        : await api<Account>('/v1/admin/accounts', { body: { ...body, channel, provider } });
      props.onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const hint = (path: string, text?: string) =>
    bad[path] ? <span class="bad-text">{bad[path]}</span> : text;
  const details = Object.entries(bad);
  return (
    <Dialog
      title={account ? tac('editTitle', { name: account.name }) : tac('new')}
      onClose={props.onClose}
      testId="account-dialog"
    >
      <form onSubmit={submit} noValidate data-testid="account-form">
        <div class="grid">
          <Field label={`${tc('name')} *`} hint={hint('name')}>
            <input
              data-testid="account-name"
              value={name}
              aria-required="true"
              aria-invalid={bad.name ? 'true' : 'false'}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
          <Field label={`${tac('channel')} *`} hint={hint('channel', account ? tac('kept') : undefined)}>
            <select
              data-testid="account-channel"
              value={channel}
              disabled={!!account}
              onChange={(e) => {
                const c = e.currentTarget.value;
                const only = providers.filter((p) => p.channel === c);
                pick(c, only.length === 1 && only[0] ? only[0].provider : '');
              }}
            >
              <option value="">{tac('pickChannel')}</option>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </Field>
          <Field label={`${tac('provider')} *`} hint={hint('provider', chosen?.title)}>
            <select
              data-testid="account-provider"
              value={provider}
              disabled={!!account || !channel}
              onChange={(e) => pick(channel, e.currentTarget.value)}
            >
              <option value="">{tac('pickProvider')}</option>
              {choices.map((p) => (
                <option key={p.provider} value={p.provider}>
                  {p.provider}
                </option>
              ))}
            </select>
          </Field>
          <Field label={tac('rateLimit')} hint={hint('rateLimit', tac('rateHint'))}>
            <input
              data-testid="account-rate"
              type="number"
              min={1}
              value={rate}
              onInput={(e) => setRate(e.currentTarget.value)}
            />
          </Field>
          <Field label={tac('rateBurst')} hint={hint('rateBurst', tac('burstHint'))}>
            <input
              data-testid="account-burst"
              type="number"
              min={1}
              value={burst}
              onInput={(e) => setBurst(e.currentTarget.value)}
            />
          </Field>
        </div>
        {chosen ? (
          <fieldset data-testid="account-config">
            <legend>
              {tac('config')}: {chosen.title}
            </legend>
            {account?.configUnreadable ? <p class="notice warn">{tac('unreadableHint')}</p> : null}
            {Object.keys(chosen.configSchema.properties ?? {}).length ? (
              <SchemaForm
                schema={chosen.configSchema}
                draft={draft}
                onDraft={setDraft}
                editing={!!account && !account.configUnreadable}
                errors={fieldErrors(error, 'config')}
              />
            ) : (
              <p class="muted">{tac('noConfig')}</p>
            )}
          </fieldset>
        ) : null}
        <ErrorNotice error={error} testId="account-error" />
        {details.length > 1 ? (
          <ul class="form-errors bad-text" data-testid="account-error-details">
            {details.map(([path, message]) => (
              <li key={path}>
                <span class="mono">{path || '(root)'}</span>: {message}
              </li>
            ))}
          </ul>
        ) : null}
        <div class="form-actions">
          <button type="button" onClick={props.onClose}>
            {tc('cancel')}
          </button>
          <button type="submit" class="primary" data-testid="account-save" disabled={busy || !chosen}>
            {account ? tc('save') : tc('create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
