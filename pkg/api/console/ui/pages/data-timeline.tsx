// `#/data/messages/:id`: one message's trace — who, which template, and every state it went
// through with its time and details.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { Link, useParams } from 'wouter-preact';
import { FINAL_STATES, type State } from '../../../../domain/states.ts';
import { api } from '../api.ts';
import { ErrorNotice, Page, Pill, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { t } from '../i18n/data.ts';
import { formatTime } from '../i18n.ts';
import type { MessageTrace } from './data-model.tsx';

/** The message's timeline page. */
export function MessageTimeline() {
  const { id } = useParams<{ id: string }>();
  const messageId = decodeURIComponent(id ?? '');
  const trace = useLoad(
    (signal) => api<MessageTrace>(`/v1/messages/${encodeURIComponent(messageId)}`, { signal }),
    [messageId],
  );
  const m = trace.data;
  // A message still on its way is read again every 2 s, so the page follows it to its end
  // (sent messages too, for a while: receipts add delivered / read later).
  const moving = m !== undefined && !FINAL_STATES.has(m.state as State);
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(trace.reload, 2000);
    return () => clearInterval(timer);
  }, [moving, trace.reload]);
  const none = <span class="muted">{t('timeline.none')}</span>;
  const facts: [string, ComponentChildren][] = m
    ? [
        [t('timeline.state'), <Pill key="s" value={m.state} />],
        [t('timeline.receiver'), m.receiver],
        [t('timeline.template'), `#${m.templateId}`],
        [t('timeline.version'), m.templateVersion ?? none],
        [t('timeline.channel'), `${m.channel} · ${m.messageType}`],
        [t('timeline.app'), m.appId ?? none],
        [t('timeline.request'), m.requestId ?? none],
        [t('timeline.biz'), m.bizId ?? none],
        [t('timeline.provider'), m.provider ?? none],
      ]
    : [];
  return (
    <Page
      title={t('timeline.title', { id: messageId })}
      testId="timeline-page"
      actions={
        <button type="button" onClick={trace.reload} data-testid="timeline-refresh">
          {tc('refresh')}
        </button>
      }
    >
      <p>
        <Link href="/" data-testid="timeline-back">
          {t('timeline.back')}
        </Link>
      </p>
      <ErrorNotice error={trace.error} testId="timeline-error" />
      {!m && trace.loading ? <p>{tc('loading')}</p> : null}
      {m ? (
        <div class="split">
          <section class="card">
            <dl class="facts" data-testid="timeline-facts">
              {facts.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd class="mono">{v}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section class="card">
            <h2>{t('timeline.states')}</h2>
            <ol class="timeline" data-testid="timeline">
              {m.timeline.map((e, i) => (
                <li key={`${e.state}:${e.at}:${i}`} data-testid="timeline-item" data-state={e.state}>
                  <Pill value={e.state} />{' '}
                  <time dateTime={e.at} class="muted">
                    {formatTime(e.at)}
                  </time>
                  {e.reason ? <div class="mono">{e.reason}</div> : null}
                </li>
              ))}
            </ol>
          </section>
        </div>
      ) : null}
    </Page>
  );
}
