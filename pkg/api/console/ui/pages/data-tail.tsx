// The live tail: `GET /v1/events/stream` read with fetch (an EventSource cannot send the Bearer
// header) and parsed with eventsource-parser; newest first, the last MAX_LINES kept.
import { createParser } from 'eventsource-parser';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, streamHeaders, withQuery } from '../api.ts';
import { ErrorNotice, Field, Pill } from '../components.tsx';
import { t } from '../i18n/data.ts';
import { formatNumber, formatTime } from '../i18n.ts';
import { useTemplateOptions } from './data-model.tsx';

const MAX_LINES = 200;

type LiveEvent = {
  id: string;
  messageId: string;
  templateId: number;
  receiver: string;
  channel: string;
  state: string;
  at: string;
  reason: string;
};

type Status = 'stopped' | 'connecting' | 'live';

/** The API's error of a refused stream request. */
async function refusal(res: Response): Promise<ApiError> {
  try {
    const b = (await res.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(
      res.status,
      b.error?.code ?? `HTTP_${res.status}`,
      b.error?.message ?? res.statusText,
    );
  } catch {
    return new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  }
}

/** Start/stop, template filter, the event lines. */
export function LiveTail() {
  const templates = useTemplateOptions();
  const [templateId, setTemplateId] = useState('');
  const [status, setStatus] = useState<Status>('stopped');
  const [lines, setLines] = useState<LiveEvent[]>([]);
  const [dropped, setDropped] = useState(0);
  const [error, setError] = useState<unknown>(undefined);
  const ctl = useRef<AbortController | null>(null);

  const stop = () => {
    ctl.current?.abort();
    ctl.current = null;
    setStatus('stopped');
  };
  // Leaving the page closes the stream.
  useEffect(() => () => ctl.current?.abort(), []);

  const start = async () => {
    const c = new AbortController();
    ctl.current = c;
    setStatus('connecting');
    setError(undefined);
    setDropped(0);
    const parser = createParser({
      onEvent: (ev) => {
        if (ev.event === 'ready') setStatus('live');
        else if (ev.event === 'dropped')
          setDropped((n) => n + (JSON.parse(ev.data) as { count: number }).count);
        else if (ev.event === 'lifecycle') {
          const e = JSON.parse(ev.data) as LiveEvent;
          setLines((old) => [e, ...old].slice(0, MAX_LINES));
        }
      },
    });
    try {
      const res = await fetch(withQuery('/v1/events/stream', { templateId }), {
        headers: streamHeaders(),
        signal: c.signal,
      });
      if (!res.ok || !res.body) throw await refusal(res);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      if (!c.signal.aborted) setError(new Error(t('tail.ended')));
    } catch (err) {
      if (!c.signal.aborted) setError(err);
    }
    if (ctl.current === c) {
      ctl.current = null;
      setStatus('stopped');
    }
  };

  const running = status !== 'stopped';
  return (
    <section class="card" data-testid="tail-card">
      <h2>{t('tail.title')}</h2>
      <p class="field-hint">{t('tail.hint', { n: MAX_LINES })}</p>
      <div class="row">
        <Field label={t('tail.filter')}>
          <select
            value={templateId}
            disabled={running}
            data-testid="tail-template"
            onChange={(e) => setTemplateId(e.currentTarget.value)}
          >
            <option value="">{t('tail.allTemplates')}</option>
            {(templates.data ?? []).map((x) => (
              <option key={x.id} value={String(x.id)}>
                {x.name} (#{x.id})
              </option>
            ))}
          </select>
        </Field>
        <button
          type="button"
          class={running ? '' : 'primary'}
          data-testid="tail-toggle"
          onClick={() => (running ? stop() : void start())}
        >
          {running ? t('tail.stop') : t('tail.start')}
        </button>
        <span role="status" data-testid="tail-status" data-status={status}>
          <Pill
            value={status === 'live' ? 'active' : status === 'connecting' ? 'running' : 'paused'}
            label={t(`tail.${status}`)}
          />
        </span>
      </div>
      <ErrorNotice error={error} testId="tail-error" />
      {dropped ? <p class="notice warn">{t('tail.dropped', { n: formatNumber(dropped) })}</p> : null}
      {running && lines.length === 0 ? <p class="muted">{t('tail.empty')}</p> : null}
      {lines.length > 0 ? (
        <ul class="tail" data-testid="tail-lines" aria-live="off">
          {lines.map((e) => (
            <li key={e.id} data-testid="tail-line" data-message={e.messageId} class="tail-line">
              <time dateTime={e.at} class="muted mono">
                {formatTime(e.at)}
              </time>{' '}
              <Pill value={e.state} />{' '}
              <Link href={`/messages/${encodeURIComponent(e.messageId)}`} class="mono">
                {e.messageId}
              </Link>{' '}
              <span class="muted">
                #{e.templateId} · {e.channel} · {e.receiver}
              </span>
              {e.reason ? <span class="mono"> · {e.reason}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
