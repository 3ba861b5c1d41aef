import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { scheduleConnector } from '../../src/connectors/schedule/index.ts';
import { parseFields } from '../../src/connector-kit/fields.ts';
import { cronTrigger, scheduledPayload } from '../../src/connectors/schedule/triggers/cron.ts';
import { webhookConnector } from '../../src/connectors/webhook/index.ts';
import { createConnectorHttp } from '../../src/engine/outbound/http-client.ts';
import { LocalRateLimiter } from '../../src/engine/outbound/rate-limiter.ts';
import { loopbackGuard } from '../support/connector-ctx.ts';

test('schedule connector shape', () => {
  assert.equal(scheduleConnector.key, 'schedule');
  assert.equal(cronTrigger.id, 'cron');
  assert.equal(cronTrigger.label.ru, 'По расписанию');
  assert.equal(cronTrigger.delivery, 'schedule');
  assert.deepEqual(cronTrigger.fields.map((f) => f.id), ['firedAt', 'date', 'time', 'timezone']);
  assert.ok(cronTrigger.fields.every((f) => /[а-я]/i.test(f.label)));
});

test('the options accept 5- and 6-field crons and refuse bad ones with a clear message', () => {
  const check = (options: Record<string, unknown>) => {
    const parsed = parseFields(cronTrigger.options ?? [], options);
    return parsed.ok ? null : parsed.issues.map((i) => i.message).join('; ');
  };
  assert.equal(check({ cron: '*/5 * * * *' }), null);
  assert.equal(check({ cron: '0 9 * * 1-5', timezone: 'Asia/Almaty' }), null);
  assert.equal(check({ cron: '30 0 9 * * MON' }), null);
  assert.match(check({})!, /cron/);
  assert.match(check({ cron: '' })!, /cron/);
  assert.match(check({ cron: 'every day' })!, /5 полей/);
  assert.match(check({ cron: '0 0 0 9 * * 2026' })!, /5 полей/);
  assert.match(check({ cron: '61 * * * *' })!, /minute/);
  assert.match(check({ cron: '0 0 31 2 *' })!, /никогда/);
  assert.match(check({ cron: '* * * * *', timezone: 'Mars/Olympus' })!, /часовой пояс/);
});

test('nextRunDelayMs: the next occurrence in the time zone', () => {
  const now = new Date('2025-03-10T05:59:00.000Z'); // 08:59 in Moscow (UTC+3)
  assert.equal(cronTrigger.nextRunDelayMs!({ cron: '0 9 * * *' }, now), 60_000);
  assert.equal(cronTrigger.nextRunDelayMs!({ cron: '0 9 * * *', timezone: 'UTC' }, now), 3 * 3600_000 + 60_000);
  const every5 = cronTrigger.nextRunDelayMs!({ cron: '*/5 * * * *' }, new Date('2025-03-10T06:02:30Z'))!;
  assert.equal(every5, 150_000);
  // A timer that fired a few ms early does not get the same occurrence again.
  const early = new Date('2025-03-10T05:59:59.995Z');
  assert.equal(cronTrigger.nextRunDelayMs!({ cron: '0 9 * * *' }, early), 86_400_000 + 5);
  assert.equal(cronTrigger.nextRunDelayMs!({ cron: 'broken' }, now), null);
});

test('scheduledPayload formats date and time in the time zone', () => {
  const at = new Date('2025-12-31T21:30:00.000Z');
  assert.deepEqual(scheduledPayload(at, 'Europe/Moscow'), { firedAt: '2025-12-31T21:30:00.000Z', date: '2026-01-01', time: '00:30', timezone: 'Europe/Moscow' });
  assert.deepEqual(scheduledPayload(at, 'UTC'), { firedAt: '2025-12-31T21:30:00.000Z', date: '2025-12-31', time: '21:30', timezone: 'UTC' });
  assert.equal(scheduledPayload(at, 'Asia/Almaty').time, '02:30');
});

test('poll yields one event with the payload, and not twice for one occurrence', async () => {
  const limiter = new LocalRateLimiter();
  const ctx = {
    auth: {},
    http: createConnectorHttp({ guard: loopbackGuard, limiter }),
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    options: { cron: '* * * * * *', timezone: 'Europe/Moscow' },
    flowId: 'f1',
  };
  const first = await cronTrigger.poll!(ctx, undefined);
  assert.equal(first.events.length, 1);
  const payload = first.events[0].payload;
  assert.equal(payload.timezone, 'Europe/Moscow');
  assert.match(String(payload.date), /^\d{4}-\d{2}-\d{2}$/);
  assert.match(String(payload.time), /^\d{2}:\d{2}$/);
  assert.equal(new Date(String(payload.firedAt)).getUTCMilliseconds(), 0, 'named by its scheduled second');
  const again = await cronTrigger.poll!(ctx, first.cursor);
  if (again.events.length === 1) assert.notEqual(again.events[0].payload.firedAt, payload.firedAt);
});

test('webhook connector: one extensible incoming trigger', () => {
  assert.equal(webhookConnector.key, 'webhook');
  assert.deepEqual(webhookConnector.auth.fields, []);
  const [t] = webhookConnector.triggers;
  assert.equal(t.id, 'incoming');
  assert.equal(t.label.ru, 'Входящий вебхук');
  assert.equal(t.delivery, 'webhook');
  assert.deepEqual(t.fields, []);
  assert.equal(t.extensibleFields, true);
  assert.deepEqual(t.options?.map((o) => o.id), ['sample']);
});
