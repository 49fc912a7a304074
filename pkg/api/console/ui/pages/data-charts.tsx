// Per-template statistics: counts per lifecycle state per day over a range (line chart), per
// hour of one day (bars side by side: a message counts in each state it passed, so stacking
// would add it up twice), and the same numbers in tables for screen readers and copying.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Chart, type ChartOption } from '../chart.tsx';
import { ErrorNotice, Field, Pill, Table, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { t } from '../i18n/data.ts';
import { formatNumber } from '../i18n.ts';
import { addDays, type Counts, statesIn, type TemplateStats, useTemplateOptions } from './data-model.tsx';

const RANGE_DAYS = 7;

function option(
  labels: string[],
  rows: { counts: Counts }[],
  states: string[],
  kind: 'line' | 'bar',
): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', minInterval: 1 },
    series: states.map((s) => ({
      name: s,
      type: kind,
      data: rows.map((r) => r.counts[s] ?? 0),
    })),
  };
}

/** States down, buckets across, totals at the right. */
function CountsTable(props: {
  caption: string;
  labels: string[];
  rows: { counts: Counts }[];
  states: string[];
  testId: string;
  prefix: string;
}) {
  return (
    <Table testId={props.testId}>
      <caption class="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('col.state')}</th>
          {props.labels.map((l) => (
            <th scope="col" class="num" key={l}>
              {l}
            </th>
          ))}
          <th scope="col" class="num">
            {t('col.total')}
          </th>
        </tr>
      </thead>
      <tbody>
        {props.states.map((s) => (
          <tr key={s}>
            <th scope="row">
              <Pill value={s} />
            </th>
            {props.rows.map((r, i) => (
              <td class="num" key={props.labels[i]}>
                {formatNumber(r.counts[s] ?? 0)}
              </td>
            ))}
            <td class="num" data-testid={`${props.prefix}-total-${s}`}>
              {formatNumber(props.rows.reduce((n, r) => n + (r.counts[s] ?? 0), 0))}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function HourChart(props: { templateId: string; day: string }) {
  const stats = useLoad(
    (signal) =>
      api<TemplateStats>(`/v1/templates/${props.templateId}/stats`, {
        query: { from: props.day, to: props.day },
        signal,
      }),
    [props.templateId, props.day],
  );
  const hours = stats.data?.hours ?? [];
  const states = statesIn(hours);
  const labels = hours.map((h) => h.hour.slice(11));
  const opt = useMemo(() => option(labels, hours, states, 'bar'), [stats.data]);
  return (
    <div data-testid="hour-chart-box">
      <h3>{t('charts.hours', { day: props.day })}</h3>
      <ErrorNotice error={stats.error} />
      <Chart option={opt} label={t('charts.hours', { day: props.day })} testId="hour-chart" />
      {states.length > 0 ? (
        <details>
          <summary>{t('charts.hourTable')}</summary>
          <CountsTable
            caption={t('charts.hourCaption')}
            labels={labels}
            rows={hours}
            states={states}
            testId="hour-table"
            prefix="hour"
          />
        </details>
      ) : null}
    </div>
  );
}

/** Template picker, range, charts and tables. */
export function TemplateCharts() {
  const templates = useTemplateOptions();
  const [id, setId] = useState('');
  const [range, setRange] = useState<{ from: string; to: string } | null>(null);
  const [draft, setDraft] = useState<{ from: string; to: string }>({ from: '', to: '' });
  const [day, setDay] = useState('');
  // Without a range the server answers today in the platform's time zone (not the browser's):
  // the default range ends there.
  const stats = useLoad(
    async (signal) => {
      if (!id) return undefined;
      const query = range ?? {};
      return api<TemplateStats>(`/v1/templates/${id}/stats`, { query, signal });
    },
    [id, range],
  );
  useEffect(() => {
    if (stats.data && !range) {
      const r = { from: addDays(stats.data.to, 1 - RANGE_DAYS), to: stats.data.to };
      setDraft(r);
      setRange(r);
      setDay(r.to);
    }
  }, [stats.data, range]);
  const days = range && stats.data?.from === range.from ? stats.data.days : [];
  const states = statesIn(days);
  const labels = days.map((d) => d.day);
  const opt = useMemo(() => option(labels, days, states, 'line'), [stats.data, range]);

  return (
    <section class="card" data-testid="charts-card">
      <h2>{t('charts.title')}</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.from && draft.to) {
            setRange({ ...draft });
            if (day < draft.from || day > draft.to) setDay(draft.to);
          }
        }}
      >
        <Field label={t('charts.template')}>
          <select
            value={id}
            data-testid="charts-template"
            onChange={(e) => {
              setId(e.currentTarget.value);
              setRange(null);
            }}
          >
            <option value="">{t('charts.pick')}</option>
            {(templates.data ?? []).map((x) => (
              <option key={x.id} value={String(x.id)}>
                {x.name} (#{x.id})
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('charts.from')}>
          <input
            type="date"
            value={draft.from}
            max={draft.to || undefined}
            data-testid="charts-from"
            onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
          />
        </Field>
        <Field label={t('charts.to')}>
          <input
            type="date"
            value={draft.to}
            min={draft.from || undefined}
            data-testid="charts-to"
            onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
          />
        </Field>
        <button type="submit" disabled={!id} data-testid="charts-show">
          {t('charts.show')}
        </button>
      </form>
      <ErrorNotice error={templates.error ?? stats.error} />
      {!id ? <p class="muted">{t('charts.choose')}</p> : null}
      {id && stats.loading && days.length === 0 ? <p>{tc('loading')}</p> : null}
      {id && range ? (
        <>
          <h3>{t('charts.days')}</h3>
          <Chart option={opt} label={t('charts.days')} testId="day-chart" />
          {states.length === 0 && !stats.loading ? <p class="muted">{t('charts.none')}</p> : null}
          {states.length > 0 ? (
            <CountsTable
              caption={t('charts.tableCaption')}
              labels={labels}
              rows={days}
              states={states}
              testId="stats-table"
              prefix="stat"
            />
          ) : null}
          <div class="row">
            <Field label={t('charts.day')}>
              <select value={day} data-testid="charts-day" onChange={(e) => setDay(e.currentTarget.value)}>
                {labels.map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          {day ? <HourChart templateId={id} day={day} /> : null}
        </>
      ) : null}
    </section>
  );
}
