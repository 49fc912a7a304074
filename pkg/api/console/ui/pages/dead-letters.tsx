// Dead letters (GET /v1/admin/dead-letters): newest first, filtered and paged; a row opens its
// details (replay, discard); rows picked with their checkboxes are replayed together, or every
// dead letter matching the filter after a confirmation that says how many that is.
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useSearch } from 'wouter-preact';
import { ErrorNotice, OkNotice, Page, Table, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { td } from '../i18n/ops.ts';
import { formatNumber, formatTime } from '../i18n.ts';
import {
  countMatching,
  type DeadLetter,
  dropSearch,
  type Filter,
  filterBody,
  filterFromSearch,
  filterQuery,
  listPage,
  replay,
} from './dead-letter-data.ts';
import { DeadLetterDialog } from './dead-letter-detail.tsx';
import { DeadLetterFilter } from './dead-letter-filter.tsx';
import '../styles/ops.css';

/** The Dead letters page (`#/dead-letters`, `?route=…#/dead-letters` from the Streams page). */
export function DeadLettersPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const [filter, setFilter] = useState<Filter>(() => filterFromSearch(search));
  const first = useLoad((signal) => listPage(filter, null, signal), [JSON.stringify(filter)]);
  const [more, setMore] = useState<{ items: DeadLetter[]; next: string | null }>({ items: [], next: null });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [matching, setMatching] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setMore({ items: [], next: first.data?.next ?? null });
    setSelected(new Set());
  }, [first.data]);
  // The filter a link carried stays in the address only while this page shows.
  useEffect(() => dropSearch, []);

  const items = [...(first.data?.items ?? []), ...more.items];
  const apply = (f: Filter) => {
    setFilter(f);
    setMatching(null);
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filterQuery(f))) if (v && k !== 'from' && k !== 'to') q.set(k, v);
    navigate(`/dead-letters?${q}`, { replace: true });
  };
  const run = async (what: () => Promise<string | null>) => {
    setBusy(true);
    setError(undefined);
    setDone(null);
    try {
      setDone(await what());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const replayed = (n: number) => {
    first.reload();
    return td('replayed', { n: formatNumber(n) });
  };
  const toggle = (id: string) => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };
  const allPicked = items.length > 0 && items.every((i) => selected.has(i.id));

  return (
    <Page
      title={tc('nav.deadLetters')}
      testId="dead-letters-page"
      actions={
        <button type="button" data-testid="dl-refresh" onClick={first.reload}>
          {tc('refresh')}
        </button>
      }
    >
      <DeadLetterFilter value={filter} onApply={apply} />
      <div class="row ops-bulk">
        <button
          type="button"
          class="primary"
          data-testid="dl-replay-selected"
          disabled={busy || selected.size === 0}
          onClick={() => run(async () => replayed((await replay({ ids: [...selected] })).replayed))}
        >
          {td('replaySelected', { n: selected.size })}
        </button>
        {matching === null ? (
          <button
            type="button"
            data-testid="dl-replay-all"
            disabled={busy || items.length === 0}
            onClick={() =>
              run(async () => {
                setMatching(await countMatching(filter));
                return null;
              })
            }
          >
            {td('replayAll')}
          </button>
        ) : (
          <span class="confirm" data-testid="dl-replay-all-ask">
            <span>{td('replayAll.q', { n: formatNumber(matching) })}</span>
            <button
              type="button"
              class="danger"
              data-testid="dl-replay-all-confirm"
              disabled={busy || matching === 0}
              onClick={() => {
                setMatching(null);
                return run(async () => replayed((await replay({ filter: filterBody(filter) })).replayed));
              }}
            >
              {tc('confirm')}
            </button>
            <button type="button" onClick={() => setMatching(null)}>
              {tc('cancel')}
            </button>
          </span>
        )}
      </div>
      {done ? <OkNotice testId="dl-done">{done}</OkNotice> : null}
      <ErrorNotice error={error ?? first.error} />
      {first.loading && !first.data ? <p class="muted">{tc('loading')}</p> : null}
      {first.data && items.length === 0 ? (
        <p class="muted" data-testid="dl-empty">
          {td('empty')}
        </p>
      ) : null}
      {items.length > 0 ? (
        <Table testId="dl-list">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label={td('pickAll')}
                  checked={allPicked}
                  data-testid="dl-check-all"
                  onChange={() => setSelected(allPicked ? new Set() : new Set(items.map((i) => i.id)))}
                />
              </th>
              <th>{td('f.at')}</th>
              <th>{td('f.route')}</th>
              <th class="num">{td('f.template')}</th>
              <th>{td('f.receiver')}</th>
              <th>{td('f.reason')}</th>
              <th class="num">{td('f.attempts')}</th>
              <th>{tc('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id} data-testid="dl-row" data-id={i.id} data-message={i.messageId}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={td('pick', { id: i.id })}
                    checked={selected.has(i.id)}
                    data-testid="dl-check"
                    onChange={() => toggle(i.id)}
                  />
                </td>
                <td>{formatTime(i.at)}</td>
                <td class="mono">{i.route}</td>
                <td class="num">{i.templateId}</td>
                <td class="mono ops-clip">{i.receiver}</td>
                <td>
                  <span class="mono">{i.reason}</span>
                  <div class="muted ops-clip">{i.lastError}</div>
                </td>
                <td class="num">{i.attempts}</td>
                <td>
                  <button type="button" data-testid="dl-open" onClick={() => setOpen(i.id)}>
                    {td('details')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      {more.next ? (
        <button
          type="button"
          data-testid="dl-more"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const page = await listPage(filter, more.next);
              setMore({ items: [...more.items, ...page.items], next: page.next });
              return null;
            })
          }
        >
          {tc('more')}
        </button>
      ) : null}
      {open ? (
        <DeadLetterDialog
          id={open}
          onClose={() => setOpen(null)}
          onDone={(n) => {
            setOpen(null);
            setDone(n === null ? td('discarded') : replayed(n));
          }}
        />
      ) : null}
    </Page>
  );
}
