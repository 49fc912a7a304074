// The actions of one account row: edit, test the connection, rotate the receipt token,
// delete (confirmed) or restore.
import { api } from '../api.ts';
import { ConfirmButton } from '../components.tsx';
import { tac } from '../i18n/accounts.ts';
import { tc } from '../i18n/common.ts';
import type { Account, Provider } from './accounts-form.tsx';

/** What a row's action produced, for the page to show. */
export type Outcome =
  | { kind: 'test'; account: Account; ok: true }
  | { kind: 'test'; account: Account; ok: false; code: string; message: string }
  | { kind: 'token'; account: Account }
  | { kind: 'deleted' | 'restored'; account: Account };

/** The buttons of a row; `run` wraps each call (errors, reload) and gets what it produced. */
export function AccountActions(props: {
  account: Account;
  provider: Provider | undefined;
  busy: boolean;
  onEdit: () => void;
  run: (call: () => Promise<Outcome>) => void;
}) {
  const { account: a, provider, run } = props;
  const path = `/v1/admin/accounts/${a.id}`;
  if (a.deletedAt)
    return (
      <button
        type="button"
        data-testid={`account-restore-${a.id}`}
        onClick={() =>
          run(async () => ({
            kind: 'restored',
            account: await api<Account>(`${path}/restore`, { method: 'POST' }),
          }))
        }
      >
        {tac('restore')}
      </button>
    );
  return (
    <div class="row row-actions">
      <button type="button" data-testid={`account-edit-${a.id}`} onClick={props.onEdit}>
        {tc('edit')}
      </button>
      {provider?.capabilities.testConnection ? (
        <button
          type="button"
          data-testid={`account-test-${a.id}`}
          disabled={props.busy}
          onClick={() =>
            run(async () => {
              const r = await api<{ ok: true } | { ok: false; code: string; message: string }>(
                `${path}/test`,
                { method: 'POST' },
              );
              return { kind: 'test', account: a, ...r };
            })
          }
        >
          {props.busy ? tac('testing') : tac('test')}
        </button>
      ) : null}
      {provider?.capabilities.receipts ? (
        <ConfirmButton
          label={tac('rotateToken')}
          question={tac('rotateTokenQ')}
          testId={`account-token-${a.id}`}
          onConfirm={() =>
            run(async () => ({
              kind: 'token',
              account: await api<Account>(`${path}/callback-token/rotate`, { method: 'POST' }),
            }))
          }
        />
      ) : null}
      <ConfirmButton
        label={tc('delete')}
        question={tac('deleteQ')}
        danger
        testId={`account-delete-${a.id}`}
        onConfirm={() =>
          run(async () => {
            await api(path, { method: 'DELETE' });
            return { kind: 'deleted', account: a };
          })
        }
      />
    </div>
  );
}
