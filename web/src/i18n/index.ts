// Russian first, English second. Messages live in one JSON file per screen and language
// (i18n/ru/<namespace>.json, i18n/en/<namespace>.json); every namespace is loaded up front.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

const ru = import.meta.glob<{ default: Record<string, unknown> }>('./ru/*.json', { eager: true });
const en = import.meta.glob<{ default: Record<string, unknown> }>('./en/*.json', { eager: true });

function bundle(files: typeof ru): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [path, mod] of Object.entries(files)) out[path.replace(/^.*\/(.+)\.json$/, '$1')] = mod.default;
  return out;
}

export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const LANGUAGE_KEY = 'svyazka.language';

export function savedLanguage(): Language {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  return saved === 'en' ? 'en' : 'ru';
}

/** True once the user picked a language in this browser; until then the workspace's language applies. */
export function languageChosen(): boolean {
  return localStorage.getItem(LANGUAGE_KEY) !== null;
}

/** The workspace's language, for a browser where the user has not picked one. */
export function applyWorkspaceLanguage(lang: string | undefined): void {
  if (!lang || languageChosen() || (lang !== 'ru' && lang !== 'en') || i18n.language === lang) return;
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

export function setLanguage(lang: Language): void {
  localStorage.setItem(LANGUAGE_KEY, lang);
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

void i18n.use(initReactI18next).init({
  resources: { ru: bundle(ru), en: bundle(en) },
  lng: savedLanguage(),
  fallbackLng: 'ru',
  defaultNS: 'common',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = savedLanguage();

export default i18n;
