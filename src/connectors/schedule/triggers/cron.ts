import { Cron } from 'croner';
import type { TriggerDefinition } from '../../types.ts';

const DEFAULT_TZ = 'Europe/Moscow';

function cronOf(options: Record<string, unknown>): Cron {
  return new Cron(String(options.cron ?? ''), { timezone: String(options.timezone ?? DEFAULT_TZ), paused: true });
}

/** What a firing looks like to the flow's templates (`{{trigger.date}}`, …). */
export function scheduledPayload(firedAt: Date, timezone: string): Record<string, unknown> {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(firedAt)
      .map((p) => [p.type, p.value]),
  );
  return { firedAt: firedAt.toISOString(), date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}`, timezone };
}

export const cronTrigger: TriggerDefinition = {
  id: 'cron',
  label: { ru: 'По расписанию', en: 'On a schedule' },
  delivery: 'schedule',
  fields: [
    { id: 'firedAt', label: 'Время запуска (ISO)', labelEn: 'Fired at (ISO)' },
    { id: 'date', label: 'Дата запуска', labelEn: 'Date' },
    { id: 'time', label: 'Время запуска', labelEn: 'Time' },
    { id: 'timezone', label: 'Часовой пояс', labelEn: 'Time zone' },
  ],
  options: [
    { id: 'cron', label: 'Расписание (cron)', labelEn: 'Schedule (cron)', type: 'string', required: true, description: '5 or 6 fields, e.g. "0 9 * * 1-5"' },
    { id: 'timezone', label: 'Часовой пояс', labelEn: 'Time zone', type: 'string', default: DEFAULT_TZ },
  ],
  checkOptions(options) {
    if (typeof options.cron !== 'string' || !options.cron.trim()) return 'options.cron is required, e.g. "*/5 * * * *"';
    try {
      new Intl.DateTimeFormat('en', { timeZone: String(options.timezone ?? DEFAULT_TZ) });
    } catch {
      return `unknown time zone "${String(options.timezone)}"`;
    }
    try {
      cronOf(options);
    } catch (error) {
      return `invalid cron expression "${options.cron}": ${(error as Error).message}`;
    }
    return null;
  },
  nextRunDelayMs(options, now) {
    const next = cronOf(options).nextRun(now);
    return next ? Math.max(0, next.getTime() - now.getTime()) : null;
  },
  async poll(ctx) {
    const now = new Date();
    const timezone = String(ctx.options.timezone ?? DEFAULT_TZ);
    return { events: [{ payload: scheduledPayload(now, timezone) }], cursor: { lastFiredAt: now.toISOString() } };
  },
};
