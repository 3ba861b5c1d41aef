// Disk usage per workspace, measured off the write path: neither the intake nor the step journal
// counts a byte. A pass (with retention, every 10 minutes) reads rows in small batches along the
// (workspace, time) indexes and keeps the bytes per hour in storage_usage, so /usage only sums a few
// hundred stored numbers. An hour is read again only when it may have changed:
// - never measured, or ended less than SETTLE_MS before its last measure (new rows, journals of
//   executions still running);
// - it crossed the plan's retention boundary since (the age-based prune deleted most of its rows,
//   so this read is cheap);
// - its last measure is older than RECOUNT_MS (a few such hours a pass: retries, replays, trigger
//   copies and other late changes are corrected without ever reading everything at once).
// What the disk limit deletes it subtracts itself, in the same transaction (disk-limit.ts).
import type { PlanStore, StorageHour } from '../store/types.ts';

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const BATCH = 500;
const SETTLE_MS = 2 * HOUR_MS;
const RECOUNT_MS = 12 * HOUR_MS;
const RECOUNT_PER_PASS = 12;
/** An hour at 1,000 webhooks a second is 7,200 batches of 500: far under this bound. */
const MAX_BATCHES_PER_HOUR = 20_000;

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Lets the intake in between batches (SQLite reads run on this thread). */
export const letIntakeIn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * The hours a pass measures, oldest first: see the rules at the top. `oldest` is when the
 * workspace's oldest webhook or execution is from (null: none).
 */
export function hoursToMeasure(opts: { known: StorageHour[]; oldest: number | null; now: number; historyDays: number }): number[] {
  const current = hourOf(opts.now);
  const first = opts.oldest === null ? current : Math.min(hourOf(opts.oldest), current);
  const known = new Map(opts.known.map((h) => [h.hour, h]));
  const boundary = opts.now - opts.historyDays * DAY_MS;
  const due: number[] = [];
  const stale: StorageHour[] = [];
  for (let hour = first; hour <= current; hour += HOUR_MS) {
    const h = known.get(hour);
    const end = hour + HOUR_MS;
    if (!h || h.measuredAt < end + SETTLE_MS) due.push(hour);
    else if (hour < boundary && h.measuredAt < end + opts.historyDays * DAY_MS + SETTLE_MS) due.push(hour);
    else if (h.measuredAt < opts.now - RECOUNT_MS) stale.push(h);
  }
  stale.sort((a, b) => a.measuredAt - b.measuredAt);
  return [...due, ...stale.slice(0, RECOUNT_PER_PASS).map((h) => h.hour)].sort((a, b) => a - b);
}

/** One pass over a workspace; returns how many hours it measured. */
export async function measureWorkspace(store: PlanStore, workspaceId: string, opts: { now: number; historyDays: number; pause?: () => Promise<void> }): Promise<number> {
  const pause = opts.pause ?? letIntakeIn;
  const known = await store.storageHours(workspaceId);
  const oldest = await store.oldestHistoryAt(workspaceId);
  const first = oldest === null ? hourOf(opts.now) : Math.min(hourOf(oldest), hourOf(opts.now));
  if (known.length > 0 && known[0].hour < first) await store.forgetStorageBefore(workspaceId, first);
  const versions = new Map(known.map((h) => [h.hour, h.version]));
  const hours = hoursToMeasure({ known, oldest, now: opts.now, historyDays: opts.historyDays });
  for (const hour of hours) {
    let historyBytes = 0;
    let journalBytes = 0;
    for (const rows of ['webhooks', 'executions'] as const) {
      let from: number | null = hour;
      for (let i = 0; from !== null && i < MAX_BATCHES_PER_HOUR; i++) {
        const batch = await store.measureStorage({ workspaceId, rows, from, to: hour + HOUR_MS, batch: BATCH });
        historyBytes += batch.historyBytes;
        journalBytes += batch.journalBytes;
        from = batch.next;
        await pause();
      }
    }
    // Not written when the disk limit changed the hour meanwhile (another process): measured again next pass.
    await store.saveStorageHour({ workspaceId, hour, historyBytes, journalBytes, measuredAt: opts.now }, versions.get(hour) ?? null);
  }
  return hours.length;
}
