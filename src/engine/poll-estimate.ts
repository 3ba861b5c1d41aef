// What a polling flow costs a month: every poll sends at least one request to the service, and
// each request is a transaction, whether or not anything new is found. Told with the flow so the
// cost of a short interval is seen before the quota runs out.
import type { TriggerDefinition } from '../connector-kit/types.ts';

/** The month the estimate counts: 30 days. */
export const MONTH_SECONDS = 30 * 86_400;

export interface PollEstimate {
  intervalSeconds: number;
  pollsPerMonth: number;
  /** The least a poll sends; a poll that finds something, or pages, sends more. */
  requestsPerPoll: number;
  transactionsPerMonth: number;
  /** Always true: the real count is at least this. */
  lowerBound: true;
  note: { ru: string; en: string };
}

/** The estimate for a flow's trigger, or null when it does not poll (webhooks, schedules). */
export function pollEstimate(trigger: TriggerDefinition | undefined, options: Record<string, unknown>): PollEstimate | null {
  if (!trigger || trigger.delivery !== 'poll' || !trigger.nextRunDelayMs) return null;
  const delayMs = trigger.nextRunDelayMs(options, new Date(0));
  if (delayMs === null || !(delayMs > 0)) return null;
  const intervalSeconds = Math.round(delayMs / 1000);
  const pollsPerMonth = Math.floor(MONTH_SECONDS / intervalSeconds);
  const requestsPerPoll = 1;
  const transactionsPerMonth = pollsPerMonth * requestsPerPoll;
  const n = (x: number) => x.toLocaleString('ru-RU').replace(/\u00a0/g, ' ');
  return {
    intervalSeconds,
    pollsPerMonth,
    requestsPerPoll,
    transactionsPerMonth,
    lowerBound: true,
    note: {
      ru: `Опрос раз в ${n(intervalSeconds)} с — ${n(pollsPerMonth)} опросов в месяц, не меньше ${n(transactionsPerMonth)} транзакций: каждый опрос — хотя бы один запрос к сервису, даже если нового нет; найденные события и страницы добавляют запросы.`,
      en: `A poll every ${intervalSeconds} s is ${pollsPerMonth} polls a month, at least ${transactionsPerMonth} transactions: each poll sends at least one request even when nothing is new; events found and extra pages add more.`,
    },
  };
}
