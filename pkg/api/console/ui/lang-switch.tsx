// The language control, on the sign-in page and in the top bar.

import { tc } from './i18n/common.ts';
import { type Lang, lang, setLang } from './i18n.ts';

/** The 中文 / English control: each language named in itself, the current one pressed. */
export function LanguageSwitch() {
  const choices: [Lang, string][] = [
    ['zh', '中文'],
    ['en', 'English'],
  ];
  return (
    <fieldset class="lang">
      <legend class="sr-only">{tc('language')}</legend>
      {choices.map(([l, label]) => (
        <button
          key={l}
          type="button"
          lang={l === 'zh' ? 'zh-CN' : 'en'}
          aria-pressed={lang.value === l}
          data-testid={`lang-${l}`}
          onClick={() => setLang(l)}
        >
          {label}
        </button>
      ))}
    </fieldset>
  );
}
