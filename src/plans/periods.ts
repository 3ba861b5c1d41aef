// Billing days and months are calendar days and months in Moscow time (UTC+3, no daylight
// saving since 2014): what a Russian shop reads as "this month".
const MSK_OFFSET_MS = 3 * 3600_000;

export function dayOf(ms: number): string {
  return new Date(ms + MSK_OFFSET_MS).toISOString().slice(0, 10);
}

export function monthOf(ms: number): string {
  return dayOf(ms).slice(0, 7);
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
