// One campaign (`#/campaigns/:id`): start/pause, the cron with live next fire times, the crowd
// files with the upload, and the run history.
import { useState } from 'preact/hooks';
import { Link, useParams } from 'wouter-preact';
import { api } from '../api.ts';
import { ConfirmButton, ErrorNotice, Field, OkNotice, Page, useLoad } from '../components.tsx';
import { t } from '../i18n/campaigns.ts';
import { tc } from '../i18n/common.ts';
import { CrowdFiles } from './campaign-crowd.tsx';
import { type CampaignTemplate, StatusPill } from './campaign-model.tsx';
import { NextTimesList, useNextTimes } from './campaign-next.tsx';
import { RunHistory } from './campaign-runs.tsx';

/** The cron field: next fire times as the operator types, save, clear. */
function CronEditor(props: { tpl: CampaignTemplate; onSaved: (tpl: CampaignTemplate) => void }) {
  const { tpl } = props;
  const [draft, setDraft] = useState(tpl.cron ?? '');
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = useNextTimes(draft, tpl.timezone, 300);
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const save = async (cron: string | null) => {
    setBusy(true);
    setError(undefined);
    setDone(null);
    try {
      const saved = await api<CampaignTemplate>(`/v1/admin/templates/${tpl.id}`, {
        method: 'PATCH',
        body: { cron },
      });
      setDone(cron ? t('cron.saved') : t('cron.cleared'));
      if (!cron) setDraft('');
      props.onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" data-testid="cron-editor">
      <h2>{t('cron.title')}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save(draft.trim());
        }}
      >
        <div class="row">
          <Field label={t('cron.label')} hint={t('cron.hint')}>
            <input
              class="mono"
              required
              value={draft}
              placeholder="0 9 * * 1-5"
              data-testid="cron-input"
              aria-invalid={next.error ? 'true' : 'false'}
              onInput={(e) => setDraft(e.currentTarget.value)}
            />
          </Field>
        </div>
        {next.timezone ? (
          <p class="muted">
            {t('cron.next', { n: next.times.length })} · {t('cron.zone', { zone: next.timezone, local })}
          </p>
        ) : null}
        <NextTimesList next={next} testId="next-times" />
        <div class="form-actions">
          {tpl.cron ? (
            <ConfirmButton
              label={t('cron.clear')}
              question={t('cron.clearAsk')}
              danger
              testId="cron-clear"
              disabled={busy}
              onConfirm={() => save(null)}
            />
          ) : null}
          <button
            type="submit"
            class="primary"
            disabled={busy || !draft.trim() || draft.trim() === tpl.cron}
            data-testid="cron-save"
          >
            {t('cron.save')}
          </button>
        </div>
      </form>
      {tpl.cron ? null : <p class="muted">{t('cron.unset')}</p>}
      <ErrorNotice error={error} testId="cron-error" />
      {done ? <OkNotice testId="cron-ok">{done}</OkNotice> : null}
    </section>
  );
}

/** Start or pause the template (pausing stops its cron runs too). */
function StartPause(props: { tpl: CampaignTemplate; onChanged: (tpl: CampaignTemplate) => void }) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const active = props.tpl.status === 'active';
  return (
    <span class="row">
      <StatusPill value={props.tpl.status} />
      <button
        type="button"
        data-testid="campaign-toggle"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            const action = active ? 'pause' : 'start';
            props.onChanged(
              await api<CampaignTemplate>(`/v1/admin/templates/${props.tpl.id}/${action}`, {
                method: 'POST',
              }),
            );
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        {active ? t('pause') : t('start')}
      </button>
      <ErrorNotice error={error} />
    </span>
  );
}

/** `#/campaigns/:id`. */
export function CampaignDetail() {
  const { id } = useParams<{ id: string }>();
  const loaded = useLoad((signal) => api<CampaignTemplate>(`/v1/admin/templates/${id}`, { signal }), [id]);
  const [changed, setChanged] = useState<CampaignTemplate | null>(null);
  const tpl = changed?.id === Number(id) ? changed : loaded.data;
  return (
    <Page
      title={tpl ? tpl.name : tc('nav.campaigns')}
      testId="campaign-page"
      actions={tpl ? <StartPause tpl={tpl} onChanged={setChanged} /> : null}
    >
      <p>
        <Link href="/" data-testid="campaign-back">
          {t('back')}
        </Link>
      </p>
      <ErrorNotice error={loaded.error} />
      {!tpl && loaded.loading ? <p>{tc('loading')}</p> : null}
      {tpl ? (
        <>
          <p class="muted" role="status">
            {tpl.status === 'active' ? t('started') : t('paused')}
          </p>
          <div class="split">
            <CronEditor key={tpl.id} tpl={tpl} onSaved={setChanged} />
            <CrowdFiles templateId={tpl.id} />
          </div>
          <RunHistory templateId={tpl.id} />
        </>
      ) : null}
    </Page>
  );
}
