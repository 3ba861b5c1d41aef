// `schedule.cron`: fires the flow on a cron schedule in a time zone (Moscow by default). The
// engine's scheduler arms a timer from `nextRunDelayMs` and calls `poll` when it fires.
import { Cron } from 'croner';
import type { TriggerDefinition } from '../../../connector-kit/types.ts';

export const DEFAULT_TIMEZONE = 'Europe/Moscow';
/** Timers may fire a little early; a firing this close to an occurrence belongs to it. */
const EARLY_MS = 250;

function timezoneOf(options: Record<string, unknown>): string {
  const tz = options.timezone;
  return typeof tz === 'string' && tz.trim() ? tz.trim() : DEFAULT_TIMEZONE;
}

function cronOf(options: Record<string, unknown>): Cron {
  return new Cron(String(options.cron ?? '').trim(), { timezone: timezoneOf(options), paused: true, mode: '5-or-6-parts' });
}

function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
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

/** The cron error message without croner's prefix, in Russian where it matters. */
function describeCronError(expr: string, error: unknown): string {
  const raw = (error as Error).message.replace(/^CronPattern:\s*/, '');
  if (/parts/.test(raw)) return `неверное расписание «${expr}»: нужно 5 полей (минута час день месяц день_недели) или 6 (с секундами в начале), например "0 9 * * 1-5"`;
  return `неверное расписание «${expr}»: ${raw}`;
}

/** Whether the expression is a schedule that fires (in UTC; the zone moves occurrences, never removes them all). */
function checkCron(raw: string): string | null {
  const expr = raw.trim();
  let cron: Cron;
  try {
    cron = cronOf({ cron: expr, timezone: 'UTC' });
  } catch (error) {
    return describeCronError(expr, error);
  }
  return cron.nextRun() ? null : `расписание «${expr}» никогда не срабатывает`;
}

export const cronTrigger: TriggerDefinition = {
  id: 'cron',
  label: { ru: 'По расписанию', en: 'On a schedule' },
  description: 'Запускает поток по cron-расписанию в выбранном часовом поясе.',
  delivery: 'schedule',
  fields: [
    { id: 'firedAt', label: 'Время запуска (ISO)', labelEn: 'Fired at (ISO)', type: 'string' },
    { id: 'date', label: 'Дата запуска', labelEn: 'Date', type: 'string', description: 'ГГГГ-ММ-ДД в часовом поясе расписания' },
    { id: 'time', label: 'Время запуска', labelEn: 'Time', type: 'string', description: 'ЧЧ:ММ в часовом поясе расписания' },
    { id: 'timezone', label: 'Часовой пояс', labelEn: 'Time zone', type: 'string' },
  ],
  options: [
    {
      id: 'cron',
      label: 'Расписание (cron)',
      labelEn: 'Schedule (cron)',
      type: 'string',
      required: true,
      description: '5 полей (минута час день месяц день_недели) или 6 (с секундами в начале), например "0 9 * * 1-5" — по будням в 9:00',
      check: (value) => checkCron(String(value)),
    },
    {
      id: 'timezone',
      label: 'Часовой пояс',
      labelEn: 'Time zone',
      type: 'string',
      default: DEFAULT_TIMEZONE,
      description: 'Например Europe/Moscow, Asia/Almaty',
      check: (value) => (isTimezone(String(value).trim()) ? null : `неизвестный часовой пояс «${String(value)}»: укажите его как Europe/Moscow`),
    },
  ],
  nextRunDelayMs(options, now) {
    let next: Date | null;
    try {
      // From a little ahead, so a timer that fired early does not yield the same occurrence again.
      next = cronOf(options).nextRun(new Date(now.getTime() + EARLY_MS));
    } catch {
      return null;
    }
    return next ? Math.max(0, next.getTime() - now.getTime()) : null;
  },
  async poll(ctx, cursor) {
    const now = Date.now();
    const timezone = timezoneOf(ctx.options);
    // Name the firing by its scheduled occurrence when there is one this close (so 09:00 is not
    // reported as 08:59:59.998); a "run now" far from any occurrence uses the current time.
    let firedAt = new Date(now);
    let scheduled = false;
    try {
      const [occurrence] = cronOf(ctx.options).previousRuns(1, new Date(now + EARLY_MS));
      if (occurrence && now - occurrence.getTime() <= 1000) {
        firedAt = occurrence;
        scheduled = true;
      }
    } catch {
      // Invalid options were refused at save time; fall back to the current time.
    }
    const last = (cursor as { lastFiredAt?: unknown } | null | undefined)?.lastFiredAt;
    if (scheduled && last === firedAt.toISOString()) return { events: [], cursor }; // this occurrence already fired
    return { events: [{ payload: scheduledPayload(firedAt, timezone), dedupeKey: firedAt.toISOString() }], cursor: { lastFiredAt: firedAt.toISOString() } };
  },
};
