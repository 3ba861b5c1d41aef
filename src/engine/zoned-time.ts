// Calendar days in a workspace's time zone (IANA name), for "today" counters people read.
export const DEFAULT_TIME_ZONE = 'Europe/Moscow';

function partsIn(ms: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(ms)
      .map((p) => [p.type, Number(p.value)]),
  );
  return { y: parts.year, m: parts.month, d: parts.day, h: parts.hour, min: parts.minute, s: parts.second };
}

/** The zone's offset from UTC at `ms`, in ms (Moscow: +3 h). */
function offsetAt(ms: number, timeZone: string): number {
  const p = partsIn(ms, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(ms / 1000) * 1000;
}

/** The wall clock at `ms` in `timeZone`, encoded as if it were UTC (whole seconds). */
export function wallClockAt(ms: number, timeZone: string): number {
  return Math.floor(ms / 1000) * 1000 + offsetAt(ms, validTimeZone(timeZone));
}

/** Epoch ms of the first instant of the day that `ms` falls on in `timeZone`. */
export function startOfDay(ms: number, timeZone: string): number {
  const tz = validTimeZone(timeZone);
  const p = partsIn(ms, tz);
  const midnightUtc = Date.UTC(p.y, p.m - 1, p.d);
  // Twice: the offset at midnight may differ from the offset now (a DST change that day).
  let start = midnightUtc - offsetAt(midnightUtc, tz);
  start = midnightUtc - offsetAt(start, tz);
  return start;
}

export function validTimeZone(timeZone: string | null | undefined): string {
  if (!timeZone) return DEFAULT_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return DEFAULT_TIME_ZONE;
  }
}
