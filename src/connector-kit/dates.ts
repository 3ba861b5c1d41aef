// Dates as connectors read and write them: one set of formatters and zone helpers (the engine's),
// so no connector keeps its own padding and calendar checks.
export { DATE_FORMATS, formatDate, parseDate, parseWallClock, type WallClock } from '../engine/dates.ts';
export { DEFAULT_TIME_ZONE, startOfDay, validTimeZone, wallClockAt } from '../engine/zoned-time.ts';

/** A Date's wall clock on this machine's zone, encoded as if it were UTC (for formatDate). */
export function localWallClock(d: Date): number {
  return d.getTime() - d.getTimezoneOffset() * 60_000;
}
