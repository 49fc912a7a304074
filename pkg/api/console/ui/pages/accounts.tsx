// Channel accounts: the credentials each provider sends with. Lists them by channel, creates and
// edits them through a form generated from the provider's schema, tests the connection, rotates
// the receipt token, deletes and restores them.
import { useState } from 'preact/hooks';
import { CHANNELS } from '../../../../domain/channels.ts';
import { api } from '../api.ts';
import { ErrorNotice, OkNotice, Page, Pill, Table, useLoad } from '../components.tsx';
import { tac } from '../i18n/accounts.ts';
import { tc } from '../i18n/common.ts';
import { formatTime } from '../i18n.ts';
import { AccountActions, type Outcome } from './accounts-actions.tsx';
import { type Account, AccountForm, type Provider, providerOf } from './accounts-form.tsx';
import { type Once, SecretOnce } from './apps-secret-once.tsx';
import '../styles/apps.css';

const PAGE_SIZE = 50;

/** The receipt route a provider posts delivery reports to. */
const receiptUrl = (a: Account): string =>
  `${location.origin}/v1/callbacks/${a.channel}/${a.provider}/${a.id}/${a.callbackToken}`;

function OutcomeNotice(props: { outcome: Outcome | null }) {
  const o = props.outcome;
  if (!o) return null;
  const name = o.account.name;
  if (o.kind === 'test' && !o.ok)
    return (
      <p class="notice bad" role="alert" data-testid="account-test-result">
        {tac('testBad', { name, code: o.code, message: o.message })}
      </p>
    );
  if (o.kind === 'token') return null;
  const text =
    o.kind === 'test'
      ? tac('testOk', { name })
      : tac(o.kind === 'deleted' ? 'deletedOk' : 'restoredOk', { name });
  return <OkNotice testId={o.kind === 'test' ? 'account-test-result' : 'accounts-ok'}>{text}</OkNotice>;
}

/** The Accounts page (`#/accounts`). */
export function AccountsPage() {
  const [channel, setChannel] = useState('');
  const [withDeleted, setWithDeleted] = useState(false);
  const [page, setPage] = useState(1);
  const providers = useLoad(
    (signal) => api<{ items: Provider[] }>('/v1/admin/providers', { signal }).then((r) => r.items),
    [],
  );
  const list = useLoad(
    (signal) =>
      api<{ items: Account[]; total: number }>('/v1/admin/accounts', {
        query: { channel, includeDeleted: withDeleted, page, pageSize: PAGE_SIZE },
        signal,
      }),
    [channel, withDeleted, page],
  );
  const [editing, setEditing] = useState<Account | 'new' | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [onces, setOnces] = useState<Once[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<number | null>(null);

  const run = async (id: number, call: () => Promise<Outcome>) => {
    setError(undefined);
    setSaved(null);
    setOutcome(null);
    setBusy(id);
    try {
      const o = await call();
      setOutcome(o);
      if (o.kind === 'token')
        setOnces([
          {
            title: tac('tokenOnce', { name: o.account.name }),
            value: receiptUrl(o.account),
            testId: 'account-token-once',
          },
        ]);
      if (o.kind !== 'test') list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const all = providers.data ?? [];
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE_SIZE));

  return (
    <Page
      title={tc('nav.accounts')}
      testId="accounts-page"
      actions={
        <>
          <label class="inline-field">
            <span>{tac('channel')}</span>
            <select
              data-testid="accounts-channel"
              value={channel}
              onChange={(e) => {
                setPage(1);
                setChannel(e.currentTarget.value);
              }}
            >
              <option value="">{tac('allChannels')}</option>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label class="check">
            <input
              type="checkbox"
              data-testid="accounts-deleted"
              checked={withDeleted}
              onChange={(e) => {
                setPage(1);
                setWithDeleted(e.currentTarget.checked);
              }}
            />
            <span>{tac('showDeleted')}</span>
          </label>
          <button type="button" onClick={list.reload}>
            {tc('refresh')}
          </button>
          <button
            type="button"
            class="primary"
            data-testid="account-create"
            disabled={!providers.data}
            onClick={() => setEditing('new')}
          >
            {tac('new')}
          </button>
        </>
      }
    >
      <SecretOnce
        items={onces}
        warning={tac('tokenWarning')}
        dismiss={tac('dismiss')}
        onDismiss={() => setOnces([])}
      />
      <OutcomeNotice outcome={outcome} />
      {saved ? <OkNotice testId="accounts-ok">{saved}</OkNotice> : null}
      <ErrorNotice error={error ?? list.error ?? providers.error} testId="accounts-error" />
      {list.loading && !list.data ? <p class="muted">{tc('loading')}</p> : null}
      {list.data && items.length === 0 ? (
        <p class="muted" data-testid="accounts-empty">
          {tac('none')}
        </p>
      ) : null}
      {items.length ? (
        <Table testId="accounts-table">
          <thead>
            <tr>
              <th>{tc('name')}</th>
              <th class="num">{tc('id')}</th>
              <th>{tac('channel')}</th>
              <th>{tac('provider')}</th>
              <th>{tc('status')}</th>
              <th class="num">{tac('rateLimit')}</th>
              <th>{tc('created')}</th>
              <th>{tc('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => {
              const p = providerOf(all, a.channel, a.provider);
              return (
                <tr key={a.id} data-testid={`account-row-${a.id}`}>
                  <td>{a.name}</td>
                  <td class="num">{a.id}</td>
                  <td class="mono">{a.channel}</td>
                  <td>
                    <span class="mono">{a.provider}</span>
                    {p ? <div class="field-hint">{p.title}</div> : null}
                  </td>
                  <td>
                    {a.deletedAt ? (
                      <Pill value="revoked" label={tac('deleted')} />
                    ) : a.configUnreadable ? (
                      <Pill value="error" label={tac('unreadable')} />
                    ) : (
                      <Pill value="active" label={tac('active')} />
                    )}
                  </td>
                  <td class="num">{a.rateLimit === null ? tac('unlimited') : `${a.rateLimit}/s`}</td>
                  <td>{formatTime(a.createdAt)}</td>
                  <td>
                    <AccountActions
                      account={a}
                      provider={p}
                      busy={busy === a.id}
                      onEdit={() => setEditing(a)}
                      run={(call) => run(a.id, call)}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </Table>
      ) : null}
      {pages > 1 ? (
        <div class="row pager">
          <button
            type="button"
            aria-label={tac('prev')}
            disabled={page <= 1}
            onClick={() => setPage(page - 1)}
          >
            ‹
          </button>
          <span>
            {page} / {pages}
          </span>
          <button
            type="button"
            aria-label={tac('next')}
            disabled={page >= pages}
            onClick={() => setPage(page + 1)}
          >
            ›
          </button>
        </div>
      ) : null}
      {editing && providers.data ? (
        <AccountForm
          account={editing === 'new' ? undefined : editing}
          providers={providers.data}
          onClose={() => setEditing(null)}
          onSaved={(a) => {
            setEditing(null);
            setOutcome(null);
            setSaved(tac('savedOk', { name: a.name }));
            list.reload();
          }}
        />
      ) : null}
    </Page>
  );
}
