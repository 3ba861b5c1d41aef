// The alerts' texts: Russian first, then English, plain text (e-mail body and Telegram message
// alike), with links into the web UI where there is something to look at.
import type { FlowFailures, Notification } from '../store/types.ts';

export interface AlertMessage {
  subject: string;
  text: string;
}

const SAMPLE_ERROR_CHARS = 300;

function clip(s: string | null, n = SAMPLE_ERROR_CHARS): string {
  if (!s) return '—';
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function minutes(ms: number): number {
  return Math.max(1, Math.round(ms / 60_000));
}

export function failuresMessage(input: { flowName: string; flowId: string; failures: FlowFailures; sinceMs: number; publicUrl: string }): AlertMessage {
  const { failures, flowName, publicUrl } = input;
  const newest = failures.samples[0];
  const span = minutes(input.sinceMs);
  const links = failures.samples.map((s) => `${publicUrl}/executions/${s.id}`).join('\n');
  const step = newest?.errorStep ? ` (шаг / step ${newest.errorStep})` : '';
  return {
    subject: `Связка «${flowName}»: ${failures.count} ошибок / ${failures.count} failed runs`,
    text: [
      `Связка «${flowName}»: ${failures.count} неудачных запусков за ${span} мин.`,
      `Flow «${flowName}»: ${failures.count} failed runs in ${span} min.`,
      `Последняя ошибка / Last error${step}: ${clip(newest?.error ?? null)}`,
      `Запуски / Runs: ${failures.samples.map((s) => s.id).join(', ')}${failures.count > failures.samples.length ? ' …' : ''}`,
      links,
      `Все ошибки связки / All of the flow's failures: ${publicUrl}/executions?flowId=${input.flowId}&status=failed`,
    ].join('\n'),
  };
}

export function connectionAuthMessage(input: { connection: string; flowName: string; error: string; publicUrl: string }): AlertMessage {
  return {
    subject: `Подключение «${input.connection}» не проходит авторизацию / Connection «${input.connection}» is refused`,
    text: [
      `Сервис отклоняет подключение «${input.connection}» (связка «${input.flowName}»): ${clip(input.error)}`,
      `The service refuses connection «${input.connection}» (flow «${input.flowName}»): ${clip(input.error)}`,
      `Проверьте ключ или токен / Check its key or token: ${input.publicUrl}/connections`,
    ].join('\n'),
  };
}

export function pollFailingMessage(input: { flowName: string; flowId: string; error: string; failingMs: number; publicUrl: string }): AlertMessage {
  const span = minutes(input.failingMs);
  return {
    subject: `Опрос связки «${input.flowName}» не работает / Polling of «${input.flowName}» keeps failing`,
    text: [
      `Опрос триггера связки «${input.flowName}» не удаётся уже ${span} мин.: ${clip(input.error)}`,
      `Polling the trigger of flow «${input.flowName}» has failed for ${span} min: ${clip(input.error)}`,
      `${input.publicUrl}/flows/${input.flowId}`,
    ].join('\n'),
  };
}

export function pollRecoveredMessage(input: { flowName: string; flowId: string; publicUrl: string }): AlertMessage {
  return {
    subject: `Опрос связки «${input.flowName}» снова работает / Polling of «${input.flowName}» works again`,
    text: [`Опрос триггера связки «${input.flowName}» снова работает.`, `Polling the trigger of flow «${input.flowName}» works again.`, `${input.publicUrl}/flows/${input.flowId}`].join('\n'),
  };
}

export function notificationsMessage(items: Notification[], publicUrl: string): AlertMessage {
  const first = items[0];
  return {
    subject: items.length === 1 ? `Связка: ${clip(first.messageRu, 120)}` : `Связка: ${items.length} уведомлений / ${items.length} notices`,
    text: [...items.flatMap((n) => [n.messageRu, n.messageEn, '']), `${publicUrl}/usage`].join('\n'),
  };
}

export function testMessage(publicUrl: string): AlertMessage {
  return {
    subject: 'Связка: проверка уведомлений / alerts test',
    text: ['Проверка: уведомления Связки доходят сюда.', 'Test: Svyazka alerts reach this place.', publicUrl].join('\n'),
  };
}
