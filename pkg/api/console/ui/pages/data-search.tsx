// Message search: what one receiver was sent on a day, or the messages of a business id or a
// send request — each message id opens its timeline.
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api } from '../api.ts';
import { ErrorNotice, Field, Pill, Table } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { t } from '../i18n/data.ts';
import { formatNumber, formatTime } from '../i18n.ts';
import type { MessageTrace } from './data-model.tsx';

/** One found message, as both searches show it. */
type Found = {
  messageId: string;
  templateId: number;
  channel: string;
  receiver?: string;
  state: string;
  at: string;
  reason: string;
};

type ReceiverAnswer = { receiver: string; day: string; items: Omit<Found, 'receiver'>[]; total: number };

const fromTrace = (m: MessageTrace): Found => {
  const last = m.timeline.at(-1);
  return {
    messageId: m.messageId,
    templateId: m.templateId,
    channel: m.channel,
    receiver: m.receiver,
    state: m.state,
    at: last?.at ?? '',
    reason: last?.reason ?? '',
  };
};

function Results(props: { items: Found[]; testId: string }) {
  if (props.items.length === 0)
    return (
      <p class="muted" data-testid={`${props.testId}-none`}>
        {t('search.none')}
      </p>
    );
  return (
    <Table testId={props.testId}>
      <thead>
        <tr>
          <th>{t('col.message')}</th>
          <th>{t('col.receiver')}</th>
          <th>{t('col.template')}</th>
          <th>{t('col.channel')}</th>
          <th>{tc('status')}</th>
          <th>{t('col.at')}</th>
          <th>{t('col.reason')}</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((m) => (
          <tr key={m.messageId}>
            <td class="mono">
              <Link
                href={`/messages/${encodeURIComponent(m.messageId)}`}
                data-testid={`message-link-${m.messageId}`}
              >
                {m.messageId}
              </Link>
            </td>
            <td>{m.receiver}</td>
            <td class="num">{m.templateId}</td>
            <td>{m.channel}</td>
            <td>
              <Pill value={m.state} />
            </td>
            <td>{formatTime(m.at)}</td>
            <td>{m.reason}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Runs a search: its error, busy flag and the results. */
function useSearch() {
  const [items, setItems] = useState<Found[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (load: () => Promise<Found[]>) => {
    setBusy(true);
    setError(undefined);
    try {
      setItems(await load());
    } catch (err) {
      setItems(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { items, error, busy, run };
}

/** Both searches, side by side (stacked on a narrow screen). */
export function MessageSearch() {
  const [receiver, setReceiver] = useState('');
  const [day, setDay] = useState('');
  const [kind, setKind] = useState<'bizId' | 'requestId'>('bizId');
  const [value, setValue] = useState('');
  const byReceiver = useSearch();
  const byId = useSearch();
  const [answeredDay, setAnsweredDay] = useState('');
  return (
    <section class="card" data-testid="search-card">
      <h2>{t('search.title')}</h2>
      <div class="split">
        <form
          data-testid="search-receiver-form"
          onSubmit={(e) => {
            e.preventDefault();
            void byReceiver.run(async () => {
              const r = await api<ReceiverAnswer>(
                `/v1/receivers/${encodeURIComponent(receiver.trim())}/messages`,
                {
                  query: { day },
                },
              );
              setAnsweredDay(r.day);
              return r.items.map((m) => ({ ...m, receiver: r.receiver }));
            });
          }}
        >
          <h3>{t('search.byReceiver')}</h3>
          <div class="row">
            <Field label={t('search.receiver')}>
              <input
                required
                value={receiver}
                data-testid="search-receiver"
                onInput={(e) => setReceiver(e.currentTarget.value)}
              />
            </Field>
            <Field label={t('search.day')} hint={t('search.dayHint')}>
              <input
                type="date"
                value={day}
                data-testid="search-day"
                onInput={(e) => setDay(e.currentTarget.value)}
              />
            </Field>
            <button
              type="submit"
              class="primary"
              disabled={byReceiver.busy || !receiver.trim()}
              data-testid="search-receiver-go"
            >
              {tc('search')}
            </button>
          </div>
        </form>
        <form
          data-testid="search-id-form"
          onSubmit={(e) => {
            e.preventDefault();
            void byId.run(async () => {
              const r = await api<{ items: MessageTrace[] }>('/v1/messages', {
                query: { [kind]: value.trim() },
              });
              return r.items.map(fromTrace);
            });
          }}
        >
          <h3>{t('search.byId')}</h3>
          <div class="row">
            <Field label={t('search.kind')}>
              <select
                value={kind}
                data-testid="search-kind"
                onChange={(e) => setKind(e.currentTarget.value as 'bizId' | 'requestId')}
              >
                <option value="bizId">{t('search.bizId')}</option>
                <option value="requestId">{t('search.requestId')}</option>
              </select>
            </Field>
            <Field label={t('search.value')}>
              <input
                required
                value={value}
                class="mono"
                data-testid="search-id"
                onInput={(e) => setValue(e.currentTarget.value)}
              />
            </Field>
            <button
              type="submit"
              class="primary"
              disabled={byId.busy || !value.trim()}
              data-testid="search-id-go"
            >
              {tc('search')}
            </button>
          </div>
        </form>
      </div>
      <ErrorNotice error={byReceiver.error ?? byId.error} testId="search-error" />
      {byReceiver.items ? (
        <>
          <h3 role="status">
            {t('search.byReceiver')} · {answeredDay} ·{' '}
            {t('search.found', { n: formatNumber(byReceiver.items.length) })}
          </h3>
          <Results items={byReceiver.items} testId="receiver-results" />
        </>
      ) : null}
      {byId.items ? (
        <>
          <h3 role="status">
            {t('search.byId')} · {t('search.found', { n: formatNumber(byId.items.length) })}
          </h3>
          <Results items={byId.items} testId="id-results" />
        </>
      ) : null}
    </section>
  );
}
