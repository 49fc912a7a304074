// Apps: the business systems that call the API. Lists them, creates them (the API key is shown
// once), rotates keys and callback signing secrets, edits, deletes and restores them.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton, ErrorNotice, OkNotice, Page, Pill, Table, useLoad } from '../components.tsx';
import { ta } from '../i18n/apps.ts';
import { tc } from '../i18n/common.ts';
import { formatTime } from '../i18n.ts';
import { type App, type AppAnswer, AppForm } from './apps-form.tsx';
import { type Once, SecretOnce } from './apps-secret-once.tsx';
import '../styles/apps.css';

const PAGE_SIZE = 50;

/** The secrets of an answer, as boxes to show once. */
function oncesOf(a: AppAnswer): Once[] {
  const out: Once[] = [];
  if (a.apiKey) out.push({ title: ta('keyOnce', { name: a.name }), value: a.apiKey, testId: 'app-key-once' });
  if (a.callbackSecret)
    out.push({
      title: ta('secretOnce', { name: a.name }),
      value: a.callbackSecret,
      testId: 'app-secret-once',
    });
  return out;
}

/** The Apps page (`#/apps`). */
export function AppsPage() {
  const [page, setPage] = useState(1);
  const [withDeleted, setWithDeleted] = useState(false);
  const list = useLoad(
    (signal) =>
      api<{ items: App[]; total: number }>('/v1/admin/apps', {
        query: { page, pageSize: PAGE_SIZE, includeDeleted: withDeleted },
        signal,
      }),
    [page, withDeleted],
  );
  const [editing, setEditing] = useState<App | 'new' | null>(null);
  const [onces, setOnces] = useState<Once[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const act = async (call: () => Promise<AppAnswer | undefined>, message?: (a: AppAnswer) => string) => {
    setError(undefined);
    setDone(null);
    try {
      const a = await call();
      // A new secret replaces any box still showing one of the same kind.
      if (a) {
        const fresh = oncesOf(a);
        setOnces((old) => [...fresh, ...old.filter((o) => !fresh.some((f) => f.testId === o.testId))]);
        if (message) setDone(message(a));
      }
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE_SIZE));

  return (
    <Page
      title={tc('nav.apps')}
      testId="apps-page"
      actions={
        <>
          <label class="check">
            <input
              type="checkbox"
              data-testid="apps-deleted"
              checked={withDeleted}
              onChange={(e) => {
                setPage(1);
                setWithDeleted(e.currentTarget.checked);
              }}
            />
            <span>{ta('showDeleted')}</span>
          </label>
          <button type="button" onClick={list.reload}>
            {tc('refresh')}
          </button>
          <button type="button" class="primary" data-testid="app-create" onClick={() => setEditing('new')}>
            {ta('new')}
          </button>
        </>
      }
    >
      <SecretOnce
        items={onces}
        warning={ta('onceWarning')}
        dismiss={ta('dismiss')}
        onDismiss={(o) => setOnces((old) => old.filter((x) => x !== o))}
      />
      {done ? <OkNotice testId="apps-ok">{done}</OkNotice> : null}
      <ErrorNotice error={error ?? list.error} testId="apps-error" />
      {list.loading && !list.data ? <p class="muted">{tc('loading')}</p> : null}
      {list.data && items.length === 0 ? (
        <p class="muted" data-testid="apps-empty">
          {ta('none')}
        </p>
      ) : null}
      {items.length ? (
        <Table testId="apps-table">
          <thead>
            <tr>
              <th>{tc('name')}</th>
              <th class="num">{tc('id')}</th>
              <th>{tc('status')}</th>
              <th>{ta('keyHint')}</th>
              <th class="num">{ta('rateLimit')}</th>
              <th>{ta('callbackUrl')}</th>
              <th>{tc('created')}</th>
              <th>{tc('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} data-testid={`app-row-${a.id}`}>
                <td>{a.name}</td>
                <td class="num">{a.id}</td>
                <td>
                  {a.deletedAt ? (
                    <Pill value="revoked" label={ta('deleted')} />
                  ) : (
                    <Pill value="active" label={ta('active')} />
                  )}
                </td>
                <td class="mono">{a.apiKeyHint}…</td>
                <td class="num">
                  {a.rateLimit === null ? ta('unlimited') : ta('perSecond', { n: a.rateLimit })}
                </td>
                <td class="mono app-url">{a.callbackUrl ?? <span class="muted">{ta('off')}</span>}</td>
                <td>{formatTime(a.createdAt)}</td>
                <td>
                  <div class="row row-actions">
                    {a.deletedAt ? (
                      <button
                        type="button"
                        data-testid={`app-restore-${a.id}`}
                        onClick={() =>
                          act(
                            () => api<AppAnswer>(`/v1/admin/apps/${a.id}/restore`, { method: 'POST' }),
                            (r) => ta('restored', { name: r.name }),
                          )
                        }
                      >
                        {ta('restore')}
                      </button>
                    ) : (
                      <>
                        <button type="button" data-testid={`app-edit-${a.id}`} onClick={() => setEditing(a)}>
                          {tc('edit')}
                        </button>
                        <ConfirmButton
                          label={ta('rotateKey')}
                          question={ta('rotateKeyQ')}
                          testId={`app-rotate-${a.id}`}
                          onConfirm={() =>
                            act(() => api<AppAnswer>(`/v1/admin/apps/${a.id}/rotate-key`, { method: 'POST' }))
                          }
                        />
                        {a.callbackUrl ? (
                          <ConfirmButton
                            label={ta('rotateSecret')}
                            question={ta('rotateSecretQ')}
                            testId={`app-secret-${a.id}`}
                            onConfirm={() =>
                              act(() =>
                                api<AppAnswer>(`/v1/admin/apps/${a.id}/callback-secret/rotate`, {
                                  method: 'POST',
                                }),
                              )
                            }
                          />
                        ) : null}
                        <ConfirmButton
                          label={tc('delete')}
                          question={ta('deleteQ')}
                          danger
                          testId={`app-delete-${a.id}`}
                          onConfirm={() =>
                            act(async () => {
                              await api(`/v1/admin/apps/${a.id}`, { method: 'DELETE' });
                              setDone(ta('deletedOk', { name: a.name }));
                              return undefined;
                            })
                          }
                        />
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      {pages > 1 ? (
        <div class="row pager">
          <button
            type="button"
            aria-label={ta('prev')}
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
            aria-label={ta('next')}
            disabled={page >= pages}
            onClick={() => setPage(page + 1)}
          >
            ›
          </button>
        </div>
      ) : null}
      {editing ? (
        <AppForm
          app={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={(a) => {
            setEditing(null);
            void act(
              async () => a,
              (r) => ta('savedOk', { name: r.name }),
            );
          }}
        />
      ) : null}
    </Page>
  );
}
