// The template list's filters: everything `GET /v1/admin/templates` can filter by.
import { Field } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { tt } from '../i18n/templates.ts';
import { type AppRow, CHANNELS, MESSAGE_TYPES } from './template-data.tsx';

/** The list's query (empty string: no filter). */
export type Filters = {
  name: string;
  channel: string;
  messageType: string;
  status: string;
  appId: string;
  includeDeleted: boolean;
};

export const noFilters: Filters = {
  name: '',
  channel: '',
  messageType: '',
  status: '',
  appId: '',
  includeDeleted: false,
};

function Choice(props: {
  label: string;
  value: string;
  testId: string;
  options: readonly (readonly [string, string])[];
  onValue: (v: string) => void;
}) {
  return (
    <Field label={props.label}>
      <select
        data-testid={props.testId}
        value={props.value}
        onChange={(e) => props.onValue(e.currentTarget.value)}
      >
        <option value="">{tc('all')}</option>
        {props.options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </Field>
  );
}

/**
 * The filter bar; every change calls `onChange` with the whole new filter set.
 *
 * @example <TemplateFilters value={f} apps={apps} onChange={setF} />
 */
export function TemplateFilters(props: { value: Filters; apps: AppRow[]; onChange: (f: Filters) => void }) {
  const f = props.value;
  const set = (patch: Partial<Filters>) => props.onChange({ ...f, ...patch });
  return (
    <search class="card row tpl-filters" data-testid="template-filters">
      <Field label={tc('search')}>
        <input
          type="search"
          data-testid="filter-name"
          placeholder={tt('filter.namePlaceholder')}
          value={f.name}
          onInput={(e) => set({ name: e.currentTarget.value })}
        />
      </Field>
      <Choice
        label={tt('field.channel')}
        value={f.channel}
        testId="filter-channel"
        options={CHANNELS.map((c) => [c, c] as const)}
        onValue={(channel) => set({ channel })}
      />
      <Choice
        label={tt('field.messageType')}
        value={f.messageType}
        testId="filter-type"
        options={MESSAGE_TYPES.map((t) => [t, tt(`type.${t}`)] as const)}
        onValue={(messageType) => set({ messageType })}
      />
      <Choice
        label={tc('status')}
        value={f.status}
        testId="filter-status"
        options={[
          ['active', tt('status.active')],
          ['paused', tt('status.paused')],
        ]}
        onValue={(status) => set({ status })}
      />
      <Choice
        label={tt('field.app')}
        value={f.appId}
        testId="filter-app"
        options={props.apps.map((a) => [String(a.id), a.name] as const)}
        onValue={(appId) => set({ appId })}
      />
      <label class="check">
        <input
          type="checkbox"
          data-testid="filter-deleted"
          checked={f.includeDeleted}
          onChange={(e) => set({ includeDeleted: e.currentTarget.checked })}
        />
        {tt('filter.deleted')}
      </label>
    </search>
  );
}
