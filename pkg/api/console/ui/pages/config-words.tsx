// The sensitive-words dictionary (/v1/admin/config/sensitive-words): how many words, a search,
// pages of 100, adding words (one a line, or separated by commas) and removing them one by one.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton, ErrorNotice, Field, OkNotice, Table, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { tg } from '../i18n/ops.ts';
import { formatNumber } from '../i18n.ts';
import { ACTOR } from './config-data.ts';
import { IssueList } from './config-issues.tsx';

const PAGE = 100;
const PATH = '/v1/admin/config/sensitive-words';
type WordsPage = { total: number; offset: number; limit: number; items: string[] };
type Change = { total: number; added: number; removed: number };
/** Words may hold spaces: one a line, or separated by commas. */
const wordsOf = (s: string): string[] =>
  s
    .split(/[\n,，]+/)
    .map((w) => w.trim())
    .filter(Boolean);

/** The dictionary tab. */
export function ConfigWords() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [offset, setOffset] = useState(0);
  const [add, setAdd] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | null>(null);
  const page = useLoad(
    (signal) => api<WordsPage>(PATH, { query: { offset, limit: PAGE, q: query }, signal }),
    [offset, query],
  );
  const change = async (method: 'POST' | 'DELETE', words: string[]) => {
    setError(undefined);
    setDone(null);
    try {
      const r = await api<Change>(PATH, { method, body: words, headers: ACTOR });
      setDone(tg('words.changed', { added: r.added, removed: r.removed, total: formatNumber(r.total) }));
      if (method === 'POST') setAdd('');
      page.reload();
    } catch (err) {
      setError(err);
    }
  };
  const total = page.data?.total ?? 0;
  return (
    <div class="card" data-testid="cfg-words">
      <p data-testid="cfg-words-total">
        {page.data ? tg(query ? 'words.found' : 'words.total', { n: formatNumber(total) }) : tc('loading')}
      </p>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          change('POST', wordsOf(add));
        }}
      >
        <Field label={tg('words.add')} hint={tg('words.add.hint')}>
          <textarea
            rows={2}
            value={add}
            data-testid="cfg-words-add"
            onInput={(e) => setAdd(e.currentTarget.value)}
          />
        </Field>
        <button
          type="submit"
          class="primary"
          disabled={wordsOf(add).length === 0}
          data-testid="cfg-words-add-save"
        >
          {tg('words.addButton')}
        </button>
      </form>
      <IssueList error={error} testId="cfg-words-errors" />
      {done ? <OkNotice testId="cfg-words-ok">{done}</OkNotice> : null}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          setQuery(q.trim());
        }}
      >
        <Field label={tc('search')}>
          <input
            type="search"
            value={q}
            data-testid="cfg-words-q"
            onInput={(e) => setQ(e.currentTarget.value)}
          />
        </Field>
        <button type="submit">{tc('search')}</button>
      </form>
      <ErrorNotice error={page.error} />
      {page.data && page.data.items.length > 0 ? (
        <Table testId="cfg-words-list">
          <thead>
            <tr>
              <th>{tg('words.word')}</th>
              <th>{tc('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {page.data.items.map((w) => (
              <tr key={w} data-testid="cfg-word" data-word={w}>
                <td>{w}</td>
                <td>
                  <ConfirmButton
                    label={tg('words.remove')}
                    question={tg('words.remove.q', { word: w })}
                    danger
                    testId="cfg-word-remove"
                    onConfirm={() => change('DELETE', [w])}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : page.data ? (
        <p class="muted">{tc('empty')}</p>
      ) : null}
      <div class="row ops-pager">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          {tg('words.prev')}
        </button>
        <span class="muted">
          {total === 0
            ? ''
            : tg('words.range', {
                from: offset + 1,
                to: Math.min(offset + PAGE, total),
                n: formatNumber(total),
              })}
        </span>
        <button type="button" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
          {tg('words.next')}
        </button>
      </div>
    </div>
  );
}
