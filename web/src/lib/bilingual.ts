import i18n from '../i18n/index.ts';

/** Some server messages come as "Русский текст / English text": show the half in the UI's language. */
export function inUiLanguage(message: string): string {
  const parts = message.split(' / ');
  if (parts.length !== 2) return message;
  const cyrillic = (s: string) => /[а-яё]/i.test(s);
  const [ru, en] = cyrillic(parts[0]) ? [parts[0], parts[1]] : [parts[1], parts[0]];
  if (cyrillic(en) || !cyrillic(ru)) return message;
  return i18n.language === 'en' ? en : ru;
}
