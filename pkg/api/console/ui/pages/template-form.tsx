// The template form's own fields: name, description, owning and sharing apps, channel, message
// type, account and the channel's content. Issues of the last 422 show under their fields.

import { Field } from '../components.tsx';
import { ContentEditor, type JsonSchema } from '../content-editor.tsx';
import { tt } from '../i18n/templates.ts';
import {
  type AccountRow,
  type AppRow,
  CHANNELS,
  type Channel,
  type Draft,
  MESSAGE_TYPES,
  type ProviderRow,
} from './template-data.tsx';
import { FieldIssue } from './template-rules.tsx';

/** Channels whose templates may leave the account out (routed by the live config). */
const ROUTED = new Set<Channel>(['sms']);

/**
 * The content schema a draft is edited with: its account's provider, else (routed SMS, no
 * account chosen yet) the channel's first provider.
 */
export function schemaFor(
  d: Draft,
  accounts: AccountRow[],
  providers: ProviderRow[],
): JsonSchema | undefined {
  const account = accounts.find((a) => a.id === d.accountId);
  const ofChannel = providers.filter((p) => p.channel === d.channel);
  return (ofChannel.find((p) => p.provider === account?.provider) ?? ofChannel[0])?.contentSchema;
}

/**
 * The identity, channel and content fields of the template form.
 *
 * @example <TemplateFields draft={d} set={patch} apps={apps} accounts={accounts} providers={providers} issue={issue} />
 */
export function TemplateFields(props: {
  draft: Draft;
  set: (patch: Partial<Draft>) => void;
  apps: AppRow[];
  accounts: AccountRow[];
  providers: ProviderRow[];
  issue: (path: string) => string | undefined;
}) {
  const { draft: d, set, apps, accounts, issue } = props;
  return (
    <>
      <div class="grid">
        <Field label={tt('field.name')} hint={<FieldIssue message={issue('name')} testId="issue-name" />}>
          <input
            data-testid="template-name"
            value={d.name}
            aria-required="true"
            aria-invalid={issue('name') ? 'true' : 'false'}
            onInput={(e) => set({ name: e.currentTarget.value })}
          />
        </Field>
        <Field label={tt('field.app')} hint={<FieldIssue message={issue('appId')} testId="issue-appId" />}>
          <select
            data-testid="template-app"
            value={d.appId ?? ''}
            aria-invalid={issue('appId') ? 'true' : 'false'}
            onChange={(e) => set({ appId: e.currentTarget.value ? Number(e.currentTarget.value) : null })}
          >
            <option value="">{tt('field.choose')}</option>
            {apps.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} (#{a.id})
              </option>
            ))}
          </select>
        </Field>
        <Field label={tt('field.channel')}>
          <select
            data-testid="template-channel"
            value={d.channel}
            onChange={(e) => set({ channel: e.currentTarget.value as Channel, accountId: null, content: {} })}
          >
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
        <Field label={tt('field.messageType')}>
          <select
            data-testid="template-type"
            value={d.messageType}
            onChange={(e) => set({ messageType: e.currentTarget.value as Draft['messageType'] })}
          >
            {MESSAGE_TYPES.map((t) => (
              <option key={t} value={t}>
                {tt(`type.${t}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label={tt('field.account')}
          hint={
            issue('accountId') ? (
              <FieldIssue message={issue('accountId')} testId="issue-accountId" />
            ) : ROUTED.has(d.channel) ? (
              tt('field.routedHint')
            ) : undefined
          }
        >
          <select
            data-testid="template-account"
            value={d.accountId ?? ''}
            aria-invalid={issue('accountId') ? 'true' : 'false'}
            onChange={(e) => set({ accountId: e.currentTarget.value ? Number(e.currentTarget.value) : null })}
          >
            <option value="">{ROUTED.has(d.channel) ? tt('field.routed') : tt('field.choose')}</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} · {a.provider} (#{a.id})
              </option>
            ))}
          </select>
        </Field>
        <Field label={tt('field.description')} wide>
          <input
            data-testid="template-description"
            value={d.description}
            onInput={(e) => set({ description: e.currentTarget.value })}
          />
        </Field>
      </div>
      <fieldset data-testid="template-shared">
        <legend>{tt('field.shared')}</legend>
        {apps.filter((a) => a.id !== d.appId).length ? (
          <div class="row">
            {apps
              .filter((a) => a.id !== d.appId)
              .map((a) => (
                <label key={a.id} class="check">
                  <input
                    type="checkbox"
                    checked={d.sharedWithApps.includes(a.id)}
                    onChange={(e) =>
                      set({
                        sharedWithApps: e.currentTarget.checked
                          ? [...d.sharedWithApps, a.id]
                          : d.sharedWithApps.filter((x) => x !== a.id),
                      })
                    }
                  />
                  {a.name}
                </label>
              ))}
          </div>
        ) : (
          <p class="muted">{tt('field.noOtherApps')}</p>
        )}
      </fieldset>
      <fieldset>
        <legend>{tt('field.content')}</legend>
        <ContentEditor
          key={`${d.channel}/${d.accountId}`}
          schema={schemaFor(d, accounts, props.providers)}
          value={d.content}
          onValue={(content) => set({ content })}
        />
        <FieldIssue message={issue('content')} testId="issue-content" />
      </fieldset>
    </>
  );
}
