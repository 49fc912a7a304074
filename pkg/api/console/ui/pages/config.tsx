// Config (GET /v1/admin/config): the live config handlers apply within seconds — section forms,
// the whole as JSON, its change history and the sensitive-words dictionary, one tab each.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ErrorNotice, Page, useLoad } from '../components.tsx';
import { tc } from '../i18n/common.ts';
import { tg } from '../i18n/ops.ts';
import type { LiveConfig } from './config-data.ts';
import { ConfigForms } from './config-forms.tsx';
import { ConfigHistory } from './config-history.tsx';
import { ConfigJson } from './config-json.tsx';
import { ConfigWords } from './config-words.tsx';
import '../styles/ops.css';

const TABS = ['forms', 'json', 'history', 'words'] as const;
type Tab = (typeof TABS)[number];

/** The Config page (`#/config`). */
export function ConfigPage() {
  const [tab, setTab] = useState<Tab>('forms');
  const loaded = useLoad((signal) => api<LiveConfig>('/v1/admin/config', { signal }), []);
  const [config, setConfig] = useState<LiveConfig | undefined>();
  useEffect(() => {
    if (loaded.data) setConfig(loaded.data);
  }, [loaded.data]);
  // One tab shows at a time: each editor starts from the config in force when its tab opens.
  const select = (t: Tab) => {
    if (t !== tab) loaded.reload();
    setTab(t);
  };
  return (
    <Page title={tc('nav.config')} testId="config-page">
      <div class="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`cfg-tab-${t}`}
            aria-selected={tab === t}
            aria-controls="cfg-panel"
            data-testid={`cfg-tab-${t}`}
            onClick={() => select(t)}
          >
            {tg(`tab.${t}`)}
          </button>
        ))}
      </div>
      <ErrorNotice error={loaded.error} />
      <div role="tabpanel" id="cfg-panel" aria-labelledby={`cfg-tab-${tab}`}>
        {!config ? (
          loaded.error ? null : (
            <p class="muted">{tc('loading')}</p>
          )
        ) : tab === 'forms' ? (
          <ConfigForms config={config} onSaved={setConfig} />
        ) : tab === 'json' ? (
          <ConfigJson config={config} onSaved={setConfig} />
        ) : tab === 'history' ? (
          <ConfigHistory />
        ) : (
          <ConfigWords />
        )}
      </div>
    </Page>
  );
}
