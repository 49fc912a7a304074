// Create or edit one template: the form on the left, the live preview and its sample variables
// on the right (stacked on a phone). Saving answers with the template or a 422 whose issues are
// listed above the buttons and under their fields.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { ApiError, api } from '../api.ts';
import { ErrorNotice, JsonArea, OkNotice, Page, Pill, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { tt } from '../i18n/templates.ts';
import { formatTime } from '../i18n.ts';
import {
  type AccountRow,
  type AppRow,
  bodyOf,
  type Draft,
  draftOf,
  emptyDraft,
  type Issue,
  issuesOf,
  loadAll,
  type ProviderRow,
  type Samples,
  type Template,
} from './template-data.tsx';
import { TemplateFields } from './template-form.tsx';
import { TemplatePreview } from './template-preview.tsx';
import { TemplateRules } from './template-rules.tsx';
import { TestSendDialog } from './template-test-send.tsx';

/** The 422's issues as one message per field path (a prefix takes its sub-paths too). */
const issueFinder = (issues: Issue[]) => (path: string) => {
  const hits = issues.filter((i) => i.path === path || i.path.startsWith(`${path}.`));
  return hits.length
    ? hits.map((i) => (i.path === path ? i.message : `${i.path}: ${i.message}`)).join('; ')
    : undefined;
};

/** The form itself, for a loaded template (`saved`) or a new one. */
function Editor(props: { saved: Template | undefined; onSaved: (t: Template) => void; samples: Samples }) {
  const { saved } = props;
  const [variables, setVariables] = props.samples;
  const [draft, setDraft] = useState<Draft>(() => (saved ? draftOf(saved) : emptyDraft()));
  const [error, setError] = useState<unknown>();
  const [ok, setOk] = useState(false);
  const [busy, setBusy] = useState(false);
  const [testing, setTesting] = useState(false);
  const set = (patch: Partial<Draft>) => {
    setOk(false);
    setDraft((d) => ({ ...d, ...patch }));
  };
  const apps = useLoad((s) => loadAll<AppRow>('/v1/admin/apps', s), []);
  const providers = useLoad((s) => loadAll<ProviderRow>('/v1/admin/providers', s), []);
  const accounts = useLoad(
    (s) => loadAll<AccountRow>('/v1/admin/accounts', s, { channel: draft.channel }),
    [draft.channel],
  );
  // A new template of a channel that needs an account starts with the channel's first one.
  useEffect(() => {
    const first = accounts.data?.[0];
    if (
      !saved &&
      first &&
      draft.accountId === null &&
      draft.channel !== 'sms' &&
      first.channel === draft.channel
    )
      setDraft((d) => ({ ...d, accountId: first.id }));
  }, [accounts.data]);
  const issues = error instanceof ApiError ? issuesOf(error.details) : [];
  const issue = issueFinder(issues);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setOk(false);
    try {
      const t = saved
        ? await api<Template>(`/v1/admin/templates/${saved.id}`, { method: 'PATCH', body: bodyOf(draft) })
        : await api<Template>('/v1/admin/templates', { body: bodyOf(draft) });
      setOk(true);
      props.onSaved(t);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="split tpl-editor">
      <form class="card" onSubmit={save} data-testid="template-form" noValidate>
        <ErrorNotice error={apps.error ?? accounts.error ?? providers.error} testId="template-load-error" />
        <TemplateFields
          draft={draft}
          set={set}
          apps={apps.data ?? []}
          accounts={accounts.data ?? []}
          providers={providers.data ?? []}
          issue={issue}
        />
        <TemplateRules draft={draft} set={set} id={saved?.id} issue={issue} />
        <ErrorNotice error={error} testId="template-save-error" />
        {issues.length ? (
          <ul class="notice bad tpl-issues" data-testid="template-issues">
            {issues.map((i) => (
              <li key={`${i.path}:${i.message}`}>
                <code>{i.path}</code> {i.message}
              </li>
            ))}
          </ul>
        ) : null}
        {ok ? <OkNotice testId="template-saved">{tc('saved')}</OkNotice> : null}
        <div class="form-actions">
          <a href="#/templates">{tt('back')}</a>
          {saved ? (
            <button type="button" data-testid="template-test" onClick={() => setTesting(true)}>
              {tt('action.test')}
            </button>
          ) : null}
          <button type="submit" class="primary" disabled={busy} data-testid="template-save">
            {saved ? tc('save') : tc('create')}
          </button>
        </div>
      </form>
      <div>
        <TemplatePreview channel={draft.channel} content={draft.content} variables={variables} />
        <div class="card">
          <JsonArea
            label={tt('field.variables')}
            hint={tt('field.variablesHint')}
            value={variables}
            onValue={setVariables}
            testId="template-variables"
          />
        </div>
      </div>
      {testing && saved ? (
        <TestSendDialog template={saved} variables={variables} onClose={() => setTesting(false)} />
      ) : null}
    </div>
  );
}

/**
 * The editor page: `id` to edit a template, none to create one (then opens the new one).
 *
 * @example <Route path="/:id">{(p) => <TemplateEditorPage id={Number(p.id)} samples={samples} />}</Route>
 */
export function TemplateEditorPage(props: { id?: number; samples: Samples }) {
  const [, navigate] = useLocation();
  const { id } = props;
  const loaded = useLoad(
    (signal) =>
      id === undefined ? Promise.resolve(undefined) : api<Template>(`/v1/admin/templates/${id}`, { signal }),
    [id],
  );
  const t = loaded.data;
  const title = id === undefined ? tt('new.title') : t ? t.name : tt('edit.title');
  return (
    <Page
      title={title}
      testId="template-editor"
      actions={
        t ? (
          <span class="muted" data-testid="template-meta">
            <Pill value={t.status} label={tt(`status.${t.status}`)} /> #{t.id} · v{t.version} ·{' '}
            {formatTime(t.updatedAt)}
          </span>
        ) : null
      }
    >
      <ErrorNotice error={loaded.error} testId="template-error" />
      {id !== undefined && !t ? (
        loaded.loading ? (
          <p class="muted">{tc('loading')}</p>
        ) : null
      ) : (
        <Editor
          key={t?.id ?? 'new'}
          saved={t}
          samples={props.samples}
          onSaved={(saved) => (id === undefined ? navigate(`/${saved.id}`) : loaded.reload())}
        />
      )}
    </Page>
  );
}
