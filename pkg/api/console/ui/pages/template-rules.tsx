// The editor's delivery rules: the template's own quiet-hours policy, zone, sensitive-word
// policy and cron, and the platform-wide live config parts that touch it (quiet-hours window,
// dedup and frequency limits, read here and edited on the Config page; the discard switch of
// this template, edited here through a PATCH of the config's `discardTemplateIds`).
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorNotice, Field, useLoad } from '../components.tsx';
import { tt } from '../i18n/templates.ts';
import { type Draft, SENSITIVE, SHIELDS } from './template-data.tsx';

type LiveConfig = {
  discardTemplateIds: number[];
  dedup: { contentWindowSec: number; frequency: { limit: number; per: 'day' | 'window'; windowSec: number } };
  quietHours: { start: string; end: string; timezone: string };
};

/** A field's message from the last 422, under the field. */
export function FieldIssue(props: { message: string | undefined; testId: string }) {
  return props.message ? (
    <span class="bad-text tpl-issue" data-testid={props.testId}>
      {props.message}
    </span>
  ) : null;
}

/** The platform's live config as it applies to template `id` (unsaved templates: read-only). */
function LiveRules(props: { id: number | undefined }) {
  const cfg = useLoad((signal) => api<LiveConfig>('/v1/admin/config', { signal }), []);
  const [error, setError] = useState<unknown>();
  const c = cfg.data;
  if (!c) return <ErrorNotice error={cfg.error} />;
  const { id } = props;
  const discarded = id !== undefined && c.discardTemplateIds.includes(id);
  const f = c.dedup.frequency;
  return (
    <fieldset data-testid="template-live-config">
      <legend>{tt('live.title')}</legend>
      <p class="muted">{tt('live.hint')}</p>
      <ul class="tpl-facts">
        <li>
          {tt('live.quiet', { start: c.quietHours.start, end: c.quietHours.end, tz: c.quietHours.timezone })}
        </li>
        <li>
          {c.dedup.contentWindowSec
            ? tt('live.dedup', { sec: c.dedup.contentWindowSec })
            : tt('live.dedupOff')}
        </li>
        <li>
          {f.limit
            ? tt(f.per === 'day' ? 'live.freqDay' : 'live.freqWindow', { limit: f.limit, sec: f.windowSec })
            : tt('live.freqOff')}
        </li>
      </ul>
      <a href="#/config">{tt('live.edit')}</a>
      {id !== undefined ? (
        <label class="check tpl-discard">
          <input
            type="checkbox"
            data-testid="template-discard"
            checked={discarded}
            onChange={async (e) => {
              const on = e.currentTarget.checked;
              // Re-read first so a change made elsewhere since this page loaded is kept.
              setError(undefined);
              try {
                const now = await api<LiveConfig>('/v1/admin/config');
                const ids = now.discardTemplateIds.filter((x) => x !== id);
                await api('/v1/admin/config', {
                  method: 'PATCH',
                  body: { discardTemplateIds: on ? [...ids, id] : ids },
                });
              } catch (err) {
                setError(err);
              }
              cfg.reload();
            }}
          />
          {tt('live.discard')}
        </label>
      ) : null}
      <ErrorNotice error={error} testId="template-discard-error" />
    </fieldset>
  );
}

/**
 * The rules part of the template form.
 *
 * @example <TemplateRules draft={d} set={patch} id={t?.id} issue={(p) => issues[p]} />
 */
export function TemplateRules(props: {
  draft: Draft;
  set: (patch: Partial<Draft>) => void;
  id: number | undefined;
  issue: (path: string) => string | undefined;
}) {
  const { draft: d, set, issue } = props;
  return (
    <>
      <fieldset>
        <legend>{tt('rules.title')}</legend>
        <div class="grid">
          <Field label={tt('field.shield')} hint={tt('field.shieldHint')}>
            <select
              data-testid="template-shield"
              value={d.shield}
              onChange={(e) => set({ shield: e.currentTarget.value as Draft['shield'] })}
            >
              {SHIELDS.map((s) => (
                <option key={s} value={s}>
                  {tt(`shield.${s}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label={tt('field.timezone')}
            hint={<FieldIssue message={issue('timezone')} testId="issue-timezone" />}
          >
            <input
              data-testid="template-timezone"
              placeholder="Asia/Shanghai"
              value={d.timezone}
              aria-invalid={issue('timezone') ? 'true' : 'false'}
              onInput={(e) => set({ timezone: e.currentTarget.value })}
            />
          </Field>
          <Field label={tt('field.sensitive')} hint={tt('field.sensitiveHint')}>
            <select
              data-testid="template-sensitive"
              value={d.sensitive}
              onChange={(e) => set({ sensitive: e.currentTarget.value as Draft['sensitive'] })}
            >
              {SENSITIVE.map((s) => (
                <option key={s} value={s}>
                  {tt(`sensitive.${s}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label={tt('field.cron')}
            hint={
              issue('cron') ? (
                <FieldIssue message={issue('cron')} testId="issue-cron" />
              ) : (
                tt('field.cronHint')
              )
            }
          >
            <input
              class="mono"
              data-testid="template-cron"
              placeholder="0 9 * * 1"
              value={d.cron}
              aria-invalid={issue('cron') ? 'true' : 'false'}
              onInput={(e) => set({ cron: e.currentTarget.value })}
            />
          </Field>
        </div>
      </fieldset>
      <LiveRules id={props.id} />
    </>
  );
}
