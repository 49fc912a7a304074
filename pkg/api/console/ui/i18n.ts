// Simplified Chinese and English. Each page keeps its own dictionary (i18n/<page>.ts) made by
// `messages`, which makes the Chinese one name exactly the English keys; the language is a
// signal, so every component that reads a message re-renders when it changes.
import { signal } from '@preact/signals';

export type Lang = 'en' | 'zh';
const LANG_KEY = 'pl.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return (navigator.languages?.[0] ?? navigator.language ?? 'en').toLowerCase().startsWith('zh')
    ? 'zh'
    : 'en';
}

/** The console's language: a choice made with the 中文 / English control, else the browser's. */
export const lang = signal<Lang>(initialLang());
document.documentElement.lang = lang.value === 'zh' ? 'zh-CN' : 'en';

export function setLang(l: Lang): void {
  lang.value = l;
  localStorage.setItem(LANG_KEY, l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

export type Params = Record<string, string | number>;
export type Translate<K extends string> = (key: K, params?: Params) => string;

/**
 * A page's dictionary: `{name}` in a message is replaced by `params.name`.
 *
 * @example
 * const t = messages({ hello: 'Hello {who}' }, { hello: '你好，{who}' });
 * t('hello', { who: 'Ann' }) // 'Hello Ann' or '你好，Ann'
 */
export function messages<T extends Record<string, string>>(
  en: T,
  zh: { [K in keyof T]: string },
): Translate<Extract<keyof T, string>> {
  return (key, params) => {
    const s = (lang.value === 'zh' ? zh : en)[key] ?? String(key);
    return params ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : s;
  };
}

/** The locale for dates and numbers. */
export const locale = (): string => (lang.value === 'zh' ? 'zh-CN' : 'en-GB');

/** A date-time (epoch ms or ISO string) in the browser's time zone; '' for none. */
export function formatTime(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return d.toLocaleString(locale(), { dateStyle: 'short', timeStyle: 'medium' });
}

export const formatNumber = (n: number): string => n.toLocaleString(locale());
