// Streams: the backlog of every consumer group (GET /v1/admin/streams) — each route's delivery
// stream, the event partitions and the outboxes — refreshed every 5 s while the operator wants,
// with the dead letters of each route one click from the Dead letters page filtered to it.
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api } from '../api.ts';
import { ErrorNotice, Page, Table, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { ts } from '../i18n/ops.ts';
import { formatNumber, formatTime } from '../i18n.ts';
import '../styles/ops.css';

type Consumer = { name: string; pending: number; idleMs: number };
type Kind = 'route' | 'events' | 'callbacks' | 'receipts' | 'callbacks-events' | 'sms-records' | 'other';
/** One consumer group as the API reports it. */
export type StreamGroup = {
  stream: string;
  kind: Kind;
  route: string | null;
  partition: number | null;
  group: string;
  lag: number;
  pending: number;
  consumers: Consumer[];
};
/** One dead-letter stream. */
export type DeadLetterStream = {
  stream: string;
  kind: Kind;
  route: string | null;
  partition: number | null;
  length: number;
};
/** `GET /v1/admin/streams`. */
export type StreamsReport = { at: string; groups: StreamGroup[]; deadLetters: DeadLetterStream[] };

/** Backlog worth a look: a handler far behind, or many entries read and not acknowledged. */
const HIGH_LAG = 1000;
const HIGH_PENDING = 100;
const REFRESH_MS = 5000;

const level = (g: StreamGroup): '' | 'warm' | 'hot' =>
  g.lag >= HIGH_LAG || g.pending >= HIGH_PENDING ? 'hot' : g.lag > 0 || g.pending > 0 ? 'warm' : '';

function Consumers(props: { list: Consumer[] }) {
  if (props.list.length === 0) return <span class="muted">{ts('consumers.none')}</span>;
  return (
    <ul class="ops-consumers">
      {props.list.map((c) => (
        <li key={c.name}>
          <span class="mono">{c.name}</span>{' '}
          <span class="muted">
            {ts('consumer', { pending: formatNumber(c.pending), idle: idle(c.idleMs) })}
          </span>
        </li>
      ))}
    </ul>
  );
}

const idle = (ms: number): string =>
  ms < 60_000 ? ts('idle.s', { n: Math.round(ms / 1000) }) : ts('idle.m', { n: Math.round(ms / 60_000) });

function Backlog(props: { g: StreamGroup }) {
  const { g } = props;
  return (
    <>
      <td class="mono">{g.group}</td>
      <td class="num" data-testid="lag">
        {formatNumber(g.lag)}
      </td>
      <td class="num" data-testid="pending">
        {formatNumber(g.pending)}
      </td>
      <td>
        <Consumers list={g.consumers} />
      </td>
    </>
  );
}

/** The routes' groups; idle ones (no consumer, no backlog, no dead letter) only when `all`. */
function RouteTable(props: { report: StreamsReport }) {
  const [all, setAll] = useState(false);
  const dead = new Map(props.report.deadLetters.filter((d) => d.route).map((d) => [d.route, d.length]));
  const routes = props.report.groups.filter((g) => g.kind === 'route' && g.route);
  const busy = (g: StreamGroup) =>
    g.consumers.length > 0 || g.lag > 0 || g.pending > 0 || (dead.get(g.route) ?? 0) > 0;
  const rows = all ? routes : routes.filter(busy);
  const toggle = (
    <label class="check">
      <input
        type="checkbox"
        checked={all}
        data-testid="streams-all"
        onChange={(e) => setAll(e.currentTarget.checked)}
      />
      {ts('showIdle', { n: routes.length - routes.filter(busy).length })}
    </label>
  );
  if (rows.length === 0)
    return (
      <>
        <p class="muted">{ts('routes.empty')}</p>
        {routes.length > 0 ? toggle : null}
      </>
    );
  return (
    <>
      {toggle}
      <Table testId="route-streams">
        <thead>
          <tr>
            <th>{ts('col.route')}</th>
            <th>{ts('col.group')}</th>
            <th class="num">{ts('col.lag')}</th>
            <th class="num">{ts('col.pending')}</th>
            <th>{ts('col.consumers')}</th>
            <th class="num">{ts('col.dead')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((g) => {
            const n = dead.get(g.route) ?? 0;
            return (
              <tr key={`${g.stream}/${g.group}`} class={level(g)} data-testid={`route-row-${g.route}`}>
                <td class="mono">{g.route}</td>
                <Backlog g={g} />
                <td class="num" data-testid="dead">
                  {n > 0 ? (
                    <Link href={`/dead-letters?route=${encodeURIComponent(g.route ?? '')}`} class="ops-dead">
                      {formatNumber(n)}
                    </Link>
                  ) : (
                    <span class="muted">0</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </Table>
    </>
  );
}

function OtherTable(props: { report: StreamsReport }) {
  const rows = props.report.groups.filter((g) => g.kind !== 'route');
  const dead = props.report.deadLetters.filter((d) => d.kind !== 'route');
  const name = (kind: Kind, partition: number | null) =>
    partition === null ? ts(`kind.${kind}`) : `${ts(`kind.${kind}`)} · p${partition}`;
  return (
    <div class="split ops-split">
      <div>
        <h2>{ts('others')}</h2>
        {rows.length === 0 ? (
          <p class="muted">{ts('others.empty')}</p>
        ) : (
          <Table testId="other-streams">
            <thead>
              <tr>
                <th>{ts('col.stream')}</th>
                <th>{ts('col.group')}</th>
                <th class="num">{ts('col.lag')}</th>
                <th class="num">{ts('col.pending')}</th>
                <th>{ts('col.consumers')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((g) => (
                <tr
                  key={`${g.stream}/${g.group}`}
                  class={level(g)}
                  data-testid={`stream-row-${g.stream}-${g.group}`}
                >
                  <td>
                    {name(g.kind, g.partition)} <span class="muted mono">{g.stream}</span>
                  </td>
                  <Backlog g={g} />
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </div>
      <div>
        <h2>{ts('deadOther')}</h2>
        <Table testId="other-dead">
          <thead>
            <tr>
              <th>{ts('col.stream')}</th>
              <th class="num">{ts('col.length')}</th>
            </tr>
          </thead>
          <tbody>
            {dead.map((d) => (
              <tr key={d.stream} class={d.length > 0 ? 'warm' : ''}>
                <td>
                  {name(d.kind, d.partition)} <span class="muted mono">{d.stream}</span>
                </td>
                <td class="num">{formatNumber(d.length)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
    </div>
  );
}

/** The Streams page (`#/streams`). */
export function StreamsPage() {
  const [auto, setAuto] = useState(true);
  const report = useLoad((signal) => api<StreamsReport>('/v1/admin/streams', { signal }), []);
  const { reload } = report;
  useEffect(() => {
    if (!auto) return;
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [auto, reload]);
  const data = report.data;
  return (
    <Page
      title={tc('nav.streams')}
      testId="streams-page"
      actions={
        <>
          <label class="check">
            <input
              type="checkbox"
              checked={auto}
              data-testid="streams-auto"
              onChange={(e) => setAuto(e.currentTarget.checked)}
            />
            {ts('auto')}
          </label>
          <button type="button" data-testid="streams-refresh" onClick={reload}>
            {tc('refresh')}
          </button>
        </>
      }
    >
      <p class="muted" role="status" data-testid="streams-updated">
        {data ? ts('updated', { at: formatTime(data.at) }) : tc('loading')}
      </p>
      <ErrorNotice error={report.error} />
      {data ? (
        <>
          <p class="muted">
            {ts('legend', { lag: formatNumber(HIGH_LAG), pending: formatNumber(HIGH_PENDING) })}
          </p>
          <RouteTable report={data} />
          <OtherTable report={data} />
        </>
      ) : null}
    </Page>
  );
}
