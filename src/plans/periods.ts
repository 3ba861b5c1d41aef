// Billing days and months are calendar days and months in Moscow time (UTC+3, no daylight
// saving since 2014): what a Russian shop reads as "this month".
const MSK_OFFSET_MS = 3 * 3600_000;

const DAY_MS = 86_400_000;
// Every webhook and transaction asks; the answer changes once a day.
let cachedDay = { start: 0, end: 0, day: '', month: '' };

function dayEntry(ms: number) {
  if (ms < cachedDay.start || ms >= cachedDay.end) {
    const start = Math.floor((ms + MSK_OFFSET_MS) / DAY_MS) * DAY_MS - MSK_OFFSET_MS;
    const day = new Date(start + MSK_OFFSET_MS).toISOString().slice(0, 10);
    cachedDay = { start, end: start + DAY_MS, day, month: day.slice(0, 7) };
  }
  return cachedDay;
}

export function dayOf(ms: number): string {
  return dayEntry(ms).day;
}

export function monthOf(ms: number): string {
  return dayEntry(ms).month;
}

/** Epoch ms of the first instant of the next billing month. */
export function nextMonthStart(ms: number): number {
  const d = new Date(ms + MSK_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - MSK_OFFSET_MS;
}

export function monthStart(ms: number): number {
  const d = new Date(ms + MSK_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - MSK_OFFSET_MS;
}
