// A campaign's run history, newest first. The list is re-read every few seconds so a run the
// cron just fired shows up; a running run is polled every second for its progress bar.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorNotice, Table, useLoad } from '../components.tsx';
import { t } from '../i18n/campaigns.ts';
import { tc } from '../i18n/common.ts';
import { formatNumber, formatTime } from '../i18n.ts';
import { type CrowdRun, ProgressBar, StatusPill } from './campaign-model.tsx';

const LIST_EVERY_MS = 3000;
const RUN_EVERY_MS = 1000;

/** `run`, replaced by a fresh copy every second while it is running; `onFinished` once it is not. */
function useLiveRun(run: CrowdRun, onFinished: () => void): CrowdRun {
  const [live, setLive] = useState(run);
  useEffect(() => setLive(run), [run]);
  const running = live.status === 'running';
  useEffect(() => {
    if (!running) return;
    const ctl = new AbortController();
    const timer = setInterval(async () => {
      try {
        const fresh = await api<CrowdRun>(`/v1/admin/crowd-runs/${run.id}`, { signal: ctl.signal });
        setLive(fresh);
        if (fresh.status !== 'running') onFinished();
      } catch {
        // A missed poll is retried by the next one; the list shows errors.
      }
    }, RUN_EVERY_MS);
    return () => {
      clearInterval(timer);
      ctl.abort();
    };
  }, [run.id, running]);
  return live;
}

function RunRow(props: { run: CrowdRun; onFinished: () => void }) {
  const r = useLiveRun(props.run, props.onFinished);
  return (
    <tr data-testid={`run-row-${r.id}`} data-status={r.status}>
      <td>{formatTime(r.runAt)}</td>
      <td>
        <StatusPill value={r.status} />
      </td>
      <td class="num">
        <span data-testid="run-read">
          {formatNumber(r.rowsRead)} / {formatNumber(r.rowsTotal)}
        </span>
        {r.status === 'running' ? (
          <ProgressBar value={r.progress} label={t('runs.progress')} testId="run-progress" />
        ) : null}
      </td>
      <td class="num" data-testid="run-accepted">
        {formatNumber(r.accepted)}
      </td>
      <td class="num">{formatNumber(r.rejected)}</td>
      <td class="num">{formatNumber(r.skipped)}</td>
      <td>{formatTime(r.startedAt)}</td>
      <td>{formatTime(r.finishedAt)}</td>
      <td>{r.reason ?? ''}</td>
    </tr>
  );
}

/** The runs of a template (the newest 20). */
export function RunHistory(props: { templateId: number }) {
  const runs = useLoad(
    (signal) =>
      api<{ items: CrowdRun[]; total: number }>(`/v1/admin/templates/${props.templateId}/runs`, {
        query: { limit: 20 },
        signal,
      }),
    [props.templateId],
  );
  const { reload } = runs;
  useEffect(() => {
    const timer = setInterval(reload, LIST_EVERY_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const items = runs.data?.items ?? [];
  return (
    <section class="card" data-testid="runs-card">
      <h2>
        {t('runs.title')}
        {runs.data ? <span class="muted"> ({formatNumber(runs.data.total)})</span> : null}
      </h2>
      <ErrorNotice error={runs.error} />
      {runs.loading && !runs.data ? <p>{tc('loading')}</p> : null}
      {runs.data && items.length === 0 ? <p class="muted">{t('runs.empty')}</p> : null}
      {items.length > 0 ? (
        <Table testId="runs-table">
          <thead>
            <tr>
              <th>{t('col.runAt')}</th>
              <th>{tc('status')}</th>
              <th class="num">{t('col.progress')}</th>
              <th class="num">{t('col.accepted')}</th>
              <th class="num">{t('col.rejected')}</th>
              <th class="num">{t('col.skipped')}</th>
              <th>{t('col.started')}</th>
              <th>{t('col.finished')}</th>
              <th>{t('col.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <RunRow key={r.id} run={r} onFinished={reload} />
            ))}
          </tbody>
        </Table>
      ) : null}
    </section>
  );
}
