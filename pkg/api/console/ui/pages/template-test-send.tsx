// The test send: one receiver and its variables through the whole send path as the template's
// owning app; the accepted message ids link to their timeline on the Data page, and for the
// sandbox channel the "delivered" content is fetched from the sandbox inbox once it lands.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Dialog, ErrorNotice, Field, JsonArea } from '../components.tsx';
import { tt } from '../i18n/templates.ts';
import type { Template } from './template-data.tsx';

type SandboxItem = { messageId: string; receiver: string; content: unknown; sentAt: number };

/** Polls the sandbox inbox for `messageId` (by receiver) until it arrives or a minute passes. */
function SandboxDelivered(props: { receiver: string; messageId: string }) {
  const [item, setItem] = useState<SandboxItem | null>(null);
  const [gaveUp, setGaveUp] = useState(false);
  useEffect(() => {
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    const poll = async () => {
      try {
        const inbox = await api<{ items: SandboxItem[] }>('/v1/sandbox/messages', {
          query: { receiver: props.receiver, limit: 20 },
          signal: ctl.signal,
        });
        const found = inbox.items.find((i) => i.messageId === props.messageId);
        if (found) return setItem(found);
      } catch {
        if (ctl.signal.aborted) return;
      }
      if (Date.now() - started > 60_000) return setGaveUp(true);
      timer = setTimeout(poll, 700);
    };
    void poll();
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [props.receiver, props.messageId]);
  if (item)
    return (
      <div data-testid="test-send-delivered">
        <h3>{tt('test.delivered')}</h3>
        <pre data-testid="test-send-delivered-text">
          {item.content && typeof item.content === 'object' && 'text' in item.content
            ? String((item.content as { text: unknown }).text)
            : JSON.stringify(item.content, null, 2)}
        </pre>
      </div>
    );
  return <p class="muted">{gaveUp ? tt('test.notArrived') : tt('test.waiting')}</p>;
}

/**
 * The test-send dialog of template `t`, variables prefilled from the editor's samples.
 *
 * @example {t && <TestSendDialog template={t} variables={{ name: 'Ann' }} onClose={() => setT(null)} />}
 */
export function TestSendDialog(props: { template: Template; variables?: unknown; onClose: () => void }) {
  const t = props.template;
  const [receiver, setReceiver] = useState('');
  const [variables, setVariables] = useState<unknown>(props.variables ?? {});
  const [sent, setSent] = useState<{ messageIds: string[]; receiver: string } | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={tt('test.title', { name: t.name })} onClose={props.onClose} testId="test-send-dialog">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          setSent(null);
          try {
            const r = await api<{ messageIds: string[] }>(`/v1/admin/templates/${t.id}/test`, {
              body: { receiver, variables },
            });
            setSent({ messageIds: r.messageIds, receiver });
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <p class="muted">{tt('test.hint')}</p>
        <Field label={tt('test.receiver')}>
          <input
            data-testid="test-send-receiver"
            value={receiver}
            onInput={(e) => setReceiver(e.currentTarget.value)}
          />
        </Field>
        <JsonArea
          label={tt('field.variables')}
          value={variables}
          onValue={setVariables}
          testId="test-send-variables"
        />
        <ErrorNotice error={error} testId="test-send-error" />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy} data-testid="test-send-submit">
            {tt('test.send')}
          </button>
        </div>
      </form>
      {sent ? (
        <div class="notice ok" role="status" data-testid="test-send-result">
          {tt('test.accepted')}{' '}
          {sent.messageIds.map((id) => (
            <a
              key={id}
              class="mono"
              href={`#/data/messages/${encodeURIComponent(id)}`}
              data-testid="test-send-message"
            >
              {id}
            </a>
          ))}
        </div>
      ) : null}
      {sent && t.channel === 'sandbox' && sent.messageIds[0] ? (
        <SandboxDelivered receiver={sent.receiver} messageId={sent.messageIds[0]} />
      ) : null}
    </Dialog>
  );
}
