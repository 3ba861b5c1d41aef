// The alert dispatcher against a real store, a local SMTP server and the Telegram Bot API sandbox,
// on an injected clock: a thousand failures in a minute become one message per window (with the
// count), a restart neither repeats nor drops, Telegram's 429 retry_after is waited out, stored
// notifications and a failing poll are told once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { openServices, type Services } from '../../src/app.ts';
import { alertsOf } from '../../src/alerts/index.ts';
import { AlertDispatcher } from '../../src/alerts/dispatcher.ts';
import { startTelegramSandbox, type TelegramSandbox } from '../../src/alerts/telegram-sandbox.ts';
import { newId } from '../../src/lib/ids.ts';
import { createLogger } from '../../src/logger.ts';
import { tempDataDir, testConfig } from '../support/app.ts';
import { dropDatabaseFor, withTestDatabase } from '../support/database.ts';
import { mailText, startSmtp, type TestSmtp } from './support.ts';

const T0 = Date.UTC(2026, 4, 12, 9, 0, 0);
const MIN = 60_000;
let clock = T0;
let dataDir: string;
let s: Services;
let smtp: TestSmtp;
let tg: TelegramSandbox;
let wsId: string;
let flowId: string;
const sleeps: number[] = [];

function dispatcher(): AlertDispatcher {
  const alerts = alertsOf(s, { telegramApiUrl: tg.baseUrl, now: () => clock, sleep: async (ms) => void sleeps.push(ms) });
  return new AlertDispatcher({ store: s.store, settings: alerts.settings, channels: alerts.channels, logger: s.logger, publicUrl: 'https://svyazka.example', now: () => clock });
}

async function fail(count: number, from: number, spanMs: number, error = 'HTTP 500: Internal Server Error'): Promise<void> {
  for (let i = 0; i < count; i++) {
    const id = newId('ex');
    const finishedAt = from + Math.floor((i * spanMs) / count);
    await s.store.createExecution({ id, workspaceId: wsId, flowId, flowVersion: 1, webhookId: null, origin: 'manual', trigger: {}, nextRunAt: finishedAt });
    await s.store.updateExecution(id, { status: 'failed', error, errorStep: 'call', finishedAt, startedAt: finishedAt });
  }
}

const counted = (texts: string[]) => texts.map((t) => Number(/: (\d+) неудачных запусков/.exec(t)?.[1] ?? NaN));
const failureTexts = () => tg.messages.map((m) => m.text).filter((t) => t.includes('неудачных запусков'));
const failureMails = () => smtp.mails.map((m) => mailText(m.raw)).filter((t) => t.includes('неудачных запусков'));

before(async () => {
  dataDir = tempDataDir();
  s = await openServices(testConfig(dataDir, await withTestDatabase(dataDir, {})), { logger: createLogger({ level: 'silent' }) });
  wsId = s.defaultWorkspace.id;
  smtp = await startSmtp();
  tg = await startTelegramSandbox({ now: () => clock });
  const flow = await s.flows.save(wsId, {
    name: 'Заказы → CRM',
    enabled: true,
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [{ id: 'call', type: 'set', values: { a: '{{trigger.a}}' } }],
  });
  flowId = flow.id;
  await alertsOf(s).settings.save(
    wsId,
    {
      enabled: true,
      events: { failures: true, quota: true, connectionAuth: true, pollFailing: true, notifications: true },
      groupMinutes: 15,
      pollFailingMinutes: 10,
      email: { enabled: true, host: '127.0.0.1', port: smtp.port, secure: false, user: smtp.user, password: smtp.password, from: 'svyazka@shop.test', to: ['ops@shop.test'] },
      telegram: { enabled: true, chatId: tg.chatId, botToken: tg.token },
    },
    T0,
  );
});

after(async () => {
  await s.outbound.close();
  await s.store.close();
  await smtp.close();
  await tg.close();
  await dropDatabaseFor(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

test('1,000 failures in a minute: one grouped message per window on each channel, the counts add up, a restart sends nothing again', async () => {
  const d = dispatcher();
  // The failures arrive over a minute while the dispatcher goes round every 5 s.
  for (let slice = 0; slice < 12; slice++) {
    if (slice < 10) await fail(100, T0 + 1 + slice * 5000, 5000);
    clock = T0 + (slice + 1) * 5000;
    await d.tick();
  }
  // Then rounds every 30 s until well into the first window.
  for (clock = T0 + 90_000; clock < T0 + 14 * MIN; clock += 30_000) await d.tick();
  assert.equal(failureTexts().length, 1, 'one Telegram message in the first window');
  assert.equal(failureMails().length, 1, 'one e-mail in the first window');
  const first = counted(failureTexts())[0];
  assert.ok(first >= 1 && first < 1000, `the first message is sent at once with what had failed by then (${first})`);
  assert.match(failureTexts()[0], /Связка «Заказы → CRM»/);
  assert.match(failureTexts()[0], /https:\/\/svyazka\.example\/executions\/ex_/);

  // The window ends: the rest, counted, in one more message.
  for (; clock < T0 + 20 * MIN; clock += 30_000) await d.tick();
  assert.equal(failureTexts().length, 2);
  assert.equal(failureMails().length, 2);
  assert.deepEqual(counted(failureTexts()).reduce((a, b) => a + b, 0), 1000);
  assert.deepEqual(counted(failureMails()), counted(failureTexts()));

  // A restarted dispatcher (new instance, same store) neither repeats nor forgets.
  const again = dispatcher();
  for (; clock < T0 + 40 * MIN; clock += 60_000) await again.tick();
  assert.equal(failureTexts().length, 2);
  await fail(3, clock - 20_000, 1000);
  await again.tick();
  assert.equal(failureTexts().length, 3, 'after a quiet window the next failure goes out at once');
  assert.deepEqual(counted(failureTexts()).at(-1), 3);
});

test("Telegram's 429 retry_after is waited out and the notice is sent once", async () => {
  const d = dispatcher();
  const before = tg.messages.length;
  sleeps.length = 0;
  tg.limitNext(1, 3);
  await s.store.plans.addNotification({ id: newId('ntf'), workspaceId: wsId, kind: 'transactions', threshold: 80, period: '2026-05', messageRu: 'Использовано 80 % месячного лимита транзакций.', messageEn: '80% of the monthly transactions quota is used.', createdAt: clock });
  await d.tick();
  assert.deepEqual(sleeps, [3000], 'waited retry_after seconds');
  assert.ok(tg.requests.some((r) => r.status === 429));
  const fresh = tg.messages.slice(before);
  assert.equal(fresh.length, 1);
  assert.match(fresh[0].text, /80 % месячного лимита/);
  assert.match(fresh[0].text, /80% of the monthly/);
  clock += MIN;
  await d.tick();
  assert.equal(tg.messages.length, before + 1, 'a notice goes out once');
  assert.ok(smtp.mails.some((m) => mailText(m.raw).includes('80 % месячного лимита')));
});

test('a long retry_after holds Telegram back until then; e-mail still goes', async () => {
  const d = dispatcher();
  const before = tg.messages.length;
  const mailsBefore = smtp.mails.length;
  tg.limitNext(1, 600);
  await s.store.plans.addNotification({ id: newId('ntf'), workspaceId: wsId, kind: 'circuit', threshold: 0, period: 'x', messageRu: 'Сервис RetailCRM недоступен: запросы приостановлены.', messageEn: 'RetailCRM is unavailable: calls paused.', createdAt: clock } as never);
  await d.tick();
  assert.equal(tg.messages.length, before);
  assert.equal(smtp.mails.length, mailsBefore + 1);
  const requests = tg.requests.length;
  clock += 60_000;
  await s.store.plans.addNotification({ id: newId('ntf'), workspaceId: wsId, kind: 'circuit', threshold: 1, period: 'y', messageRu: 'Сервис RetailCRM снова доступен.', messageEn: 'RetailCRM is back.', createdAt: clock } as never);
  await d.tick();
  assert.equal(tg.requests.length, requests, 'Telegram is not asked again before retry_after');
  clock += 600_000;
  await s.store.plans.addNotification({ id: newId('ntf'), workspaceId: wsId, kind: 'circuit', threshold: 2, period: 'z', messageRu: 'Сервис Calltouch недоступен.', messageEn: 'Calltouch is unavailable.', createdAt: clock } as never);
  await d.tick();
  assert.equal(tg.messages.length, before + 1);
});

test('a poll failing for pollFailingMinutes is told once, and again when it works', async () => {
  const d = dispatcher();
  const polls = () => tg.messages.filter((m) => m.text.includes('Опрос триггера'));
  await s.store.commitPoll(flowId, null, [], 'HTTP 503: Service Unavailable', clock);
  await d.tick();
  clock += 5 * MIN;
  await d.tick();
  assert.equal(polls().length, 0, 'not before it has failed for 10 minutes');
  clock += 6 * MIN;
  await d.tick();
  clock += MIN;
  await d.tick();
  assert.equal(polls().length, 1);
  assert.match(polls()[0].text, /не удаётся уже 11 мин/);
  await s.store.commitPoll(flowId, null, [], null, clock);
  await d.tick();
  assert.equal(polls().length, 2);
  assert.match(polls()[1].text, /снова работает/);
});
