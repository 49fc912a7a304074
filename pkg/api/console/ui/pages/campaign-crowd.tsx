// A campaign's crowd files: the CSV upload with a progress bar (XHR upload progress; the rows
// are checked by the server after the last byte) and the stored files, newest first.
import { useState } from 'preact/hooks';
import { ApiError, api, upload, withQuery } from '../api.ts';
import { ConfirmButton, ErrorNotice, Field, OkNotice, Table, useLoad } from '../components.tsx';
import { t } from '../i18n/campaigns.ts';
import { tc } from '../i18n/common.ts';
import { formatNumber, formatTime } from '../i18n.ts';
import { type CrowdFile, formatBytes, ProgressBar } from './campaign-model.tsx';

type Stored = CrowdFile & { errorCount?: number };
type Problem = { line: number; column: string | null; message: string };

/** The problems a rejected upload lists (422 details), if any. */
function problemsOf(err: unknown): Problem[] {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return [];
  return (err.details as Problem[]).filter((p) => typeof p?.line === 'number').slice(0, 20);
}

function UploadForm(props: { templateId: number; onStored: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [sent, setSent] = useState<{ sent: number; total: number } | null>(null);
  const [stored, setStored] = useState<Stored | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const problems = problemsOf(error);
  return (
    <form
      data-testid="crowd-upload-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!file) return;
        setBusy(true);
        setError(undefined);
        setStored(null);
        setSent({ sent: 0, total: file.size });
        try {
          const path = withQuery(`/v1/admin/templates/${props.templateId}/crowd`, {
            filename: file.name,
            skipInvalid: skipInvalid ? 'true' : undefined,
          });
          const r = await upload<Stored>(path, file, (s, total) => setSent({ sent: s, total }));
          setSent({ sent: file.size, total: file.size });
          setStored(r);
          props.onStored();
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <div class="row">
        <Field label={t('crowd.file')}>
          <input
            type="file"
            accept=".csv,text/csv,text/plain"
            required
            data-testid="crowd-file"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </Field>
        <button type="submit" class="primary" disabled={busy || !file} data-testid="crowd-upload">
          {t('crowd.upload')}
        </button>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={skipInvalid}
          data-testid="crowd-skip-invalid"
          onChange={(e) => setSkipInvalid(e.currentTarget.checked)}
        />
        {t('crowd.skipInvalid')}
      </label>
      {sent ? (
        <div class="upload-state">
          <ProgressBar
            value={sent.total ? sent.sent / sent.total : 1}
            label={t('crowd.upload')}
            testId="upload-progress"
          />
          <span class="muted" data-testid="upload-bytes">
            {t('crowd.sent', { sent: formatBytes(sent.sent), total: formatBytes(sent.total) })}
            {busy && sent.sent >= sent.total ? ` · ${t('crowd.checking')}` : ''}
          </span>
        </div>
      ) : null}
      {stored ? (
        <OkNotice testId="upload-result">
          {t('crowd.stored', {
            file: stored.filename,
            rows: formatNumber(stored.rows),
            bytes: formatBytes(stored.bytes),
          })}
          {stored.errorCount ? ` ${t('crowd.skipped', { n: formatNumber(stored.errorCount) })}` : ''}
        </OkNotice>
      ) : null}
      <ErrorNotice error={error} testId="upload-error" />
      {problems.length > 0 ? (
        <details open>
          <summary>{t('crowd.problems')}</summary>
          <ul class="mono">
            {problems.map((p) => (
              <li key={`${p.line}:${p.column}`}>
                {p.line}
                {p.column ? ` [${p.column}]` : ''}: {p.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </form>
  );
}

/** The upload and the stored files of a template. */
export function CrowdFiles(props: { templateId: number }) {
  const files = useLoad(
    (signal) => api<{ items: CrowdFile[] }>(`/v1/admin/templates/${props.templateId}/crowd`, { signal }),
    [props.templateId],
  );
  const [error, setError] = useState<unknown>(undefined);
  const [deleted, setDeleted] = useState(false);
  const items = files.data?.items ?? [];
  return (
    <section class="card" data-testid="crowd-card">
      <h2>{t('crowd.title')}</h2>
      <p class="field-hint">{t('crowd.hint')}</p>
      <UploadForm templateId={props.templateId} onStored={files.reload} />
      <ErrorNotice error={files.error ?? error} />
      {deleted ? <OkNotice>{t('crowd.deleted')}</OkNotice> : null}
      {files.loading && !files.data ? <p>{tc('loading')}</p> : null}
      {files.data && items.length === 0 ? <p class="muted">{t('crowd.empty')}</p> : null}
      {items.length > 0 ? (
        <Table testId="crowd-files">
          <thead>
            <tr>
              <th>{t('col.file')}</th>
              <th class="num">{t('col.rows')}</th>
              <th class="num">{t('col.size')}</th>
              <th>{t('col.columns')}</th>
              <th>{t('col.uploaded')}</th>
              <th>{tc('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((f) => (
              <tr key={f.id} data-testid={`crowd-file-${f.id}`}>
                <td>{f.filename}</td>
                <td class="num">{formatNumber(f.rows)}</td>
                <td class="num">{formatBytes(f.bytes)}</td>
                <td class="mono">{f.columns.join(', ')}</td>
                <td>{formatTime(f.createdAt)}</td>
                <td>
                  <ConfirmButton
                    label={tc('delete')}
                    question={t('crowd.deleteAsk')}
                    danger
                    testId={`crowd-delete-${f.id}`}
                    onConfirm={async () => {
                      setError(undefined);
                      setDeleted(false);
                      try {
                        await api(`/v1/admin/templates/${props.templateId}/crowd/${f.id}`, {
                          method: 'DELETE',
                        });
                        setDeleted(true);
                        files.reload();
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </section>
  );
}
