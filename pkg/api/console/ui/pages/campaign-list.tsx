// The campaigns list: every template with a cron, its next fire times, newest crowd file and
// latest run, and a form to schedule a template that has no cron yet.
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api } from '../api.ts';
import { ErrorNotice, Field, Page, Table, useLoad } from '../components.tsx';
import { t } from '../i18n/campaigns.ts';
import { tc } from '../i18n/common.ts';
import { formatNumber, formatTime } from '../i18n.ts';
import { type CampaignTemplate, type CrowdFile, type CrowdRun, StatusPill } from './campaign-model.tsx';
import { NextTimesList, useNextTimes } from './campaign-next.tsx';

/** Every template, page by page (the admin list caps a page at 200). */
async function allTemplates(signal: AbortSignal): Promise<CampaignTemplate[]> {
  const out: CampaignTemplate[] = [];
  for (let page = 1; ; page++) {
    const r = await api<{ items: CampaignTemplate[]; total: number }>('/v1/admin/templates', {
      query: { page, pageSize: 200 },
      signal,
    });
    out.push(...r.items);
    if (r.items.length === 0 || page * 200 >= r.total) return out;
  }
}

function CampaignRow(props: { tpl: CampaignTemplate }) {
  const { tpl } = props;
  const next = useNextTimes(tpl.cron ?? '', tpl.timezone);
  const latest = useLoad(
    async (signal) => {
      const [crowd, runs] = await Promise.all([
        api<{ items: CrowdFile[] }>(`/v1/admin/templates/${tpl.id}/crowd`, { signal }),
        api<{ items: CrowdRun[] }>(`/v1/admin/templates/${tpl.id}/runs`, { query: { limit: 1 }, signal }),
      ]);
      return { file: crowd.items[0], run: runs.items[0] };
    },
    [tpl.id],
  );
  const file = latest.data?.file;
  const run = latest.data?.run;
  return (
    <tr data-testid={`campaign-row-${tpl.id}`}>
      <td>
        <Link href={`/${tpl.id}`} data-testid={`campaign-link-${tpl.id}`}>
          {tpl.name}
        </Link>
      </td>
      <td class="mono">{tpl.cron}</td>
      <td>
        <StatusPill value={tpl.status} />
      </td>
      <td>
        <NextTimesList next={next} compact />
      </td>
      <td>
        {latest.error ? <ErrorNotice error={latest.error} /> : null}
        {file ? (
          <span>
            {file.filename} <span class="muted">({formatNumber(file.rows)})</span>
          </span>
        ) : (
          <span class="muted">{latest.loading ? tc('loading') : t('crowd.none')}</span>
        )}
      </td>
      <td>
        {run ? (
          <span class="row">
            <StatusPill value={run.status} />
            <span class="num">
              {formatNumber(run.accepted)} / {formatNumber(run.rowsTotal)}
            </span>
            <span class="muted">{formatTime(run.startedAt)}</span>
          </span>
        ) : (
          <span class="muted">{latest.loading ? '' : t('run.none')}</span>
        )}
      </td>
    </tr>
  );
}

/** Picks a template without a cron and gives it one, then opens its campaign page. */
function ScheduleForm(props: { templates: CampaignTemplate[] }) {
  const [, navigate] = useLocation();
  const [id, setId] = useState('');
  const [cron, setCron] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const picked = props.templates.find((x) => String(x.id) === id);
  const next = useNextTimes(cron, picked?.timezone ?? null, 300);
  if (props.templates.length === 0) return <p class="muted">{t('new.none')}</p>;
  return (
    <form
      data-testid="campaign-new"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await api(`/v1/admin/templates/${id}`, { method: 'PATCH', body: { cron: cron.trim() } });
          navigate(`/${id}`);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <div class="row">
        <Field label={t('new.template')}>
          <select
            required
            value={id}
            data-testid="campaign-new-template"
            onChange={(e) => setId(e.currentTarget.value)}
          >
            <option value="">{t('new.pick')}</option>
            {props.templates.map((x) => (
              <option key={x.id} value={String(x.id)}>
                {x.name} (#{x.id}, {x.channel})
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('cron.label')}>
          <input
            class="mono"
            required
            value={cron}
            placeholder="0 9 * * 1-5"
            data-testid="campaign-new-cron"
            aria-invalid={next.error ? 'true' : 'false'}
            onInput={(e) => setCron(e.currentTarget.value)}
          />
        </Field>
        <button
          type="submit"
          class="primary"
          disabled={busy || !id || !cron.trim()}
          data-testid="campaign-new-save"
        >
          {t('new.save')}
        </button>
      </div>
      <p class="field-hint">{t('cron.hint')}</p>
      <NextTimesList next={next} testId="campaign-new-next" />
      <ErrorNotice error={error} />
    </form>
  );
}

/** `#/campaigns`: the scheduled templates and the schedule form. */
export function CampaignList() {
  const list = useLoad((signal) => allTemplates(signal), []);
  const items = list.data ?? [];
  const scheduled = items.filter((x) => x.cron);
  return (
    <Page
      title={tc('nav.campaigns')}
      testId="campaigns-page"
      actions={
        <button type="button" onClick={list.reload} data-testid="campaigns-refresh">
          {tc('refresh')}
        </button>
      }
    >
      <p class="muted">{t('intro')}</p>
      <ErrorNotice error={list.error} />
      <section class="card">
        <h2>{t('new.title')}</h2>
        {list.data ? <ScheduleForm templates={items.filter((x) => !x.cron)} /> : <p>{tc('loading')}</p>}
      </section>
      <h2>{t('list.title')}</h2>
      {list.loading && !list.data ? <p>{tc('loading')}</p> : null}
      {list.data && scheduled.length === 0 ? <p class="muted">{t('list.empty')}</p> : null}
      {scheduled.length > 0 ? (
        <Table testId="campaigns-table">
          <thead>
            <tr>
              <th>{t('col.template')}</th>
              <th>{t('col.cron')}</th>
              <th>{tc('status')}</th>
              <th>{t('col.next')}</th>
              <th>{t('col.crowd')}</th>
              <th>{t('col.run')}</th>
            </tr>
          </thead>
          <tbody>
            {scheduled.map((x) => (
              <CampaignRow key={`${x.id}:${x.updatedAt}`} tpl={x} />
            ))}
          </tbody>
        </Table>
      ) : null}
    </Page>
  );
}
