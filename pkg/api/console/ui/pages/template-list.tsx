// The template list: filters, a page of templates, paging and each row's actions (edit, copy,
// start / pause, test send, delete with confirmation, restore).
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api } from '../api.ts';
import { ConfirmButton, ErrorNotice, Page, Pill, Table, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { tt } from '../i18n/templates.ts';
import { formatTime } from '../i18n.ts';
import {
  type AccountRow,
  type AppRow,
  copyTemplate,
  loadAll,
  type Paged,
  type Samples,
  type Template,
} from './template-data.tsx';
import { type Filters, noFilters, TemplateFilters } from './template-filters.tsx';
import { TestSendDialog } from './template-test-send.tsx';

const PAGE_SIZE = 20;

/** One row's buttons; `done` reloads the list after a change. */
function RowActions(props: {
  t: Template;
  done: () => void;
  onError: (e: unknown) => void;
  onTest: () => void;
}) {
  const { t } = props;
  const [, navigate] = useLocation();
  const run = (f: () => Promise<unknown>) => async () => {
    props.onError(undefined);
    try {
      await f();
      props.done();
    } catch (err) {
      props.onError(err);
    }
  };
  const path = `/v1/admin/templates/${t.id}`;
  if (t.deletedAt !== null)
    return (
      <button
        type="button"
        data-testid={`restore-${t.id}`}
        onClick={run(() => api(`${path}/restore`, { method: 'POST' }))}
      >
        {tt('action.restore')}
      </button>
    );
  return (
    <div class="row">
      <Link href={`/${t.id}`} data-testid={`edit-${t.id}`}>
        {tc('edit')}
      </Link>
      <button
        type="button"
        data-testid={`copy-${t.id}`}
        onClick={run(async () => navigate(`/${(await copyTemplate(t, tt('copySuffix'))).id}`))}
      >
        {tc('copy')}
      </button>
      {t.status === 'active' ? (
        <button
          type="button"
          data-testid={`pause-${t.id}`}
          onClick={run(() => api(`${path}/pause`, { method: 'POST' }))}
        >
          {tt('action.pause')}
        </button>
      ) : (
        <button
          type="button"
          data-testid={`start-${t.id}`}
          onClick={run(() => api(`${path}/start`, { method: 'POST' }))}
        >
          {tt('action.start')}
        </button>
      )}
      <button type="button" data-testid={`test-${t.id}`} onClick={props.onTest}>
        {tt('action.test')}
      </button>
      <ConfirmButton
        label={tc('delete')}
        question={tt('confirm.delete')}
        danger
        testId={`delete-${t.id}`}
        onConfirm={run(() => api(path, { method: 'DELETE' }))}
      />
    </div>
  );
}

/**
 * The list page (`#/templates`).
 *
 * @example <TemplateListPage samples={useState<unknown>({})} />
 */
export function TemplateListPage(props: { samples: Samples }) {
  const [filters, setFiltersOnly] = useState<Filters>(noFilters);
  const [page, setPage] = useState(1);
  // A new filter starts again at the first page.
  const setFilters = (f: Filters) => {
    setFiltersOnly(f);
    setPage(1);
  };
  const [error, setError] = useState<unknown>();
  const [testing, setTesting] = useState<Template | null>(null);
  const list = useLoad(
    (signal) =>
      api<Paged<Template>>('/v1/admin/templates', {
        query: { ...filters, includeDeleted: filters.includeDeleted || undefined, page, pageSize: PAGE_SIZE },
        signal,
      }),
    [JSON.stringify(filters), page],
  );
  const apps = useLoad((s) => loadAll<AppRow>('/v1/admin/apps', s), []);
  const accounts = useLoad((s) => loadAll<AccountRow>('/v1/admin/accounts', s), []);
  const nameOf = (rows: { id: number; name: string }[] | undefined, id: number | null) =>
    id === null ? '—' : (rows?.find((r) => r.id === id)?.name ?? `#${id}`);
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE_SIZE));
  return (
    <Page
      title={tt('list.title')}
      testId="templates-page"
      actions={
        <Link href="/new" class="tpl-button primary" data-testid="template-new">
          {tt('list.new')}
        </Link>
      }
    >
      <TemplateFilters value={filters} apps={apps.data ?? []} onChange={setFilters} />
      <ErrorNotice error={list.error ?? error} testId="templates-error" />
      {list.loading && !list.data ? <p class="muted">{tc('loading')}</p> : null}
      {list.data && !items.length ? (
        <p class="muted" data-testid="templates-empty">
          {tt('list.empty')}
        </p>
      ) : null}
      {items.length ? (
        <Table testId="templates-table">
          <thead>
            <tr>
              <th>{tc('name')}</th>
              <th class="num">{tc('id')}</th>
              <th>{tt('field.channel')}</th>
              <th>{tt('field.messageType')}</th>
              <th>{tc('status')}</th>
              <th>{tt('field.account')}</th>
              <th>{tt('field.app')}</th>
              <th>{tc('updated')}</th>
              <th>{tc('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.id} data-testid={`template-row-${t.id}`}>
                <td>
                  <Link href={`/${t.id}`}>{t.name}</Link>
                  {t.cron ? <div class="muted mono">{t.cron}</div> : null}
                </td>
                <td class="num">{t.id}</td>
                <td>{t.channel}</td>
                <td>{tt(`type.${t.messageType}`)}</td>
                <td>
                  {t.deletedAt !== null ? (
                    <Pill value="discarded" label={tt('status.deleted')} />
                  ) : (
                    <Pill value={t.status} label={tt(`status.${t.status}`)} />
                  )}
                </td>
                <td>{t.accountId === null ? tt('field.routed') : nameOf(accounts.data, t.accountId)}</td>
                <td>{nameOf(apps.data, t.appId)}</td>
                <td>{formatTime(t.updatedAt)}</td>
                <td>
                  <RowActions t={t} done={list.reload} onError={setError} onTest={() => setTesting(t)} />
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      {pages > 1 ? (
        <nav class="row tpl-pager" aria-label={tt('list.pages')}>
          <button
            type="button"
            disabled={page <= 1}
            onClick={() => setPage(page - 1)}
            data-testid="page-prev"
          >
            ‹
          </button>
          <span data-testid="page-of">
            {tt('list.pageOf', { page, pages, total: list.data?.total ?? 0 })}
          </span>
          <button
            type="button"
            disabled={page >= pages}
            onClick={() => setPage(page + 1)}
            data-testid="page-next"
          >
            ›
          </button>
        </nav>
      ) : null}
      {testing ? (
        <TestSendDialog template={testing} variables={props.samples[0]} onClose={() => setTesting(null)} />
      ) : null}
    </Page>
  );
}
