// A plan's name in the UI's language. The catalog names plans in Russian; the page's own
// "N транзакций / мес." names get the same words in English, an operator's own names are shown
// as they are.
import i18n from '../../i18n/index.ts';
import { formatNumber } from '../../lib/format.ts';
import type { Plan } from './types.ts';

export function planName(plan: Plan): string {
  if (i18n.language === 'ru' || !/транзакц/i.test(plan.label)) return plan.label;
  return i18n.t('usage:plan.defaultName', { n: formatNumber(plan.transactionsPerMonth) });
}
