// The next fire times of a cron expression, from `POST /v1/admin/cron/next` (the server reads
// the expression exactly as the scheduler will), shown in the browser's time zone.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { errorText } from '../components.tsx';
import { t } from '../i18n/campaigns.ts';
import { formatTime } from '../i18n.ts';

export type NextTimes = {
  times: number[];
  /** The zone the server read the expression in. */
  timezone: string | null;
  error: unknown;
  loading: boolean;
};

/**
 * The next `count` fire times of `cron` read in `timezone` (null: the platform's), asked again
 * `delayMs` after the expression stops changing — live while an operator types — and again
 * once the first of them has passed, so the list never shows a time gone by.
 *
 * @example const next = useNextTimes(draft, tpl.timezone, 300);
 */
export function useNextTimes(cron: string, timezone: string | null, delayMs = 0, count = 5): NextTimes {
  const [state, setState] = useState<NextTimes>({
    times: [],
    timezone: null,
    error: undefined,
    loading: false,
  });
  const [tick, setTick] = useState(0);
  const first = state.times[0];
  useEffect(() => {
    if (first === undefined) return;
    // At least a second apart: a clock a little behind the server's must not ask in a loop.
    const timer = setTimeout(() => setTick((n) => n + 1), Math.max(1000, first - Date.now() + 250));
    return () => clearTimeout(timer);
  }, [first]);
  useEffect(() => {
    const expr = cron.trim();
    if (!expr) {
      setState({ times: [], timezone: null, error: undefined, loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api<{ times: number[]; timezone: string }>('/v1/admin/cron/next', {
        body: { cron: expr, count, ...(timezone ? { timezone } : {}) },
        signal: ctl.signal,
      }).then(
        (r) => setState({ times: r.times, timezone: r.timezone, error: undefined, loading: false }),
        (error) => !ctl.signal.aborted && setState({ times: [], timezone: null, error, loading: false }),
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [cron, timezone, delayMs, count, tick]);
  return state;
}

/** The fire times as a list (or why there are none). */
export function NextTimesList(props: { next: NextTimes; testId?: string; compact?: boolean }) {
  const { next } = props;
  if (next.error) return <span class="bad-text">{errorText(next.error)}</span>;
  if (next.loading && next.times.length === 0) return <span class="muted">…</span>;
  if (next.times.length === 0) return <span class="muted">{next.timezone ? t('cron.never') : ''}</span>;
  return (
    <ol class={props.compact ? 'next-times compact' : 'next-times'} data-testid={props.testId}>
      {next.times.map((ms) => (
        <li key={ms} data-testid="next-time">
          <time dateTime={new Date(ms).toISOString()}>{formatTime(ms)}</time>
        </li>
      ))}
    </ol>
  );
}
