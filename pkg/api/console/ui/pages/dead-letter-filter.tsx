// The Dead letters page's filter: the fields GET /v1/admin/dead-letters takes. The routes to pick
// from are those the streams report lists (every route of the platform has a dead-letter stream).
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Field, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { td } from '../i18n/ops.ts';
import { type Filter, NO_FILTER } from './dead-letter-data.ts';
import type { StreamsReport } from './streams.tsx';

/** Edits a copy of `value`; `onApply` with the new filter on submit or reset. */
export function DeadLetterFilter(props: { value: Filter; onApply: (f: Filter) => void }) {
  const [f, setF] = useState<Filter>(props.value);
  const routes = useLoad(async (signal) => {
    const r = await api<StreamsReport>('/v1/admin/streams', { signal });
    return r.deadLetters.flatMap((d) =>
      d.kind === 'route' && d.route ? [{ route: d.route, n: d.length }] : [],
    );
  }, []);
  const set = (k: keyof Filter) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setF({ ...f, [k]: e.currentTarget.value });
  // The linked route is offered even before (or without) the streams report.
  const options = routes.data ?? (f.route ? [{ route: f.route, n: 0 }] : []);
  return (
    <form
      class="card"
      data-testid="dl-filter"
      onSubmit={(e) => {
        e.preventDefault();
        props.onApply(f);
      }}
    >
      <div class="grid">
        <Field label={td('f.route')}>
          <select value={f.route} data-testid="dl-filter-route" onChange={set('route')}>
            <option value="">{tc('all')}</option>
            {options.map((o) => (
              <option key={o.route} value={o.route}>
                {o.n > 0 ? `${o.route} (${o.n})` : o.route}
              </option>
            ))}
          </select>
        </Field>
        <Field label={td('f.template')}>
          <input
            inputMode="numeric"
            pattern="[0-9]*"
            value={f.templateId}
            data-testid="dl-filter-template"
            onInput={set('templateId')}
          />
        </Field>
        <Field label={td('f.reason')} hint={td('f.reason.hint')}>
          <input value={f.reason} data-testid="dl-filter-reason" onInput={set('reason')} />
        </Field>
        <Field label={td('f.app')}>
          <input inputMode="numeric" pattern="[0-9]*" value={f.appId} onInput={set('appId')} />
        </Field>
        <Field label={td('f.from')}>
          <input type="datetime-local" value={f.from} onInput={set('from')} />
        </Field>
        <Field label={td('f.to')}>
          <input type="datetime-local" value={f.to} onInput={set('to')} />
        </Field>
      </div>
      <div class="form-actions">
        <button
          type="button"
          onClick={() => {
            setF(NO_FILTER);
            props.onApply(NO_FILTER);
          }}
        >
          {td('filter.reset')}
        </button>
        <button type="submit" class="primary" data-testid="dl-filter-apply">
          {td('filter.apply')}
        </button>
      </div>
    </form>
  );
}
