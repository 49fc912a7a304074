// One dead letter in full (GET /v1/admin/dead-letters/{id}): why it failed, after how many
// attempts, the delivery and its variables as the API gives them (verification codes masked),
// with replay and discard.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton, Dialog, ErrorNotice, Pill, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { td } from '../i18n/ops.ts';
import { formatTime } from '../i18n.ts';
import { type DeadLetterDetail, replay } from './dead-letter-data.ts';

/** The details dialog; `onDone(replayed)` after a replay or discard (null: discarded). */
export function DeadLetterDialog(props: {
  id: string;
  onClose: () => void;
  onDone: (replayed: number | null) => void;
}) {
  const item = useLoad(
    (signal) => api<DeadLetterDetail>(`/v1/admin/dead-letters/${encodeURIComponent(props.id)}`, { signal }),
    [props.id],
  );
  const [error, setError] = useState<unknown>();
  const d = item.data;
  const act = async (run: () => Promise<number | null>) => {
    setError(undefined);
    try {
      props.onDone(await run());
    } catch (err) {
      setError(err);
    }
  };
  const rows: [string, ComponentChildren][] = d
    ? [
        [td('f.reason'), <Pill key="r" value="failed" label={d.reason} />],
        [td('f.lastError'), d.lastError],
        [td('f.attempts'), String(d.attempts)],
        [td('f.at'), formatTime(d.at)],
        [td('f.state'), d.state ? <Pill key="s" value={d.state} /> : td('expired')],
        [td('f.route'), d.route],
        [td('f.template'), String(d.templateId)],
        [td('f.receiver'), d.receiver],
        [td('f.message'), d.messageId],
        [td('f.request'), d.requestId],
        [td('f.biz'), d.bizId || '—'],
        [td('f.app'), d.appId === null ? '—' : String(d.appId)],
        [td('f.accepted'), d.acceptedAt ? formatTime(d.acceptedAt) : '—'],
        [td('f.timezone'), d.timezone ?? '—'],
        [td('f.pinned'), d.pinnedAccountId === null ? '—' : String(d.pinnedAccountId)],
      ]
    : [];
  return (
    <Dialog title={td('detail.title')} onClose={props.onClose} testId="dl-detail">
      <ErrorNotice error={item.error ?? error} />
      {!d ? (
        item.error ? null : (
          <p class="muted">{tc('loading')}</p>
        )
      ) : (
        <>
          <dl class="ops-facts" data-testid="dl-detail-facts">
            {rows.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd class="mono">{v}</dd>
              </div>
            ))}
          </dl>
          <h3>{td('f.variables')}</h3>
          <pre data-testid="dl-detail-variables">{JSON.stringify(d.variables, null, 2)}</pre>
          <div class="form-actions">
            <ConfirmButton
              label={td('discard')}
              question={td('discard.q')}
              danger
              testId="dl-detail-discard"
              onConfirm={() =>
                act(async () => {
                  await api(`/v1/admin/dead-letters/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
                  return null;
                })
              }
            />
            <button
              type="button"
              class="primary"
              data-testid="dl-detail-replay"
              onClick={() => act(async () => (await replay({ ids: [d.id] })).replayed)}
            >
              {td('replay')}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}
