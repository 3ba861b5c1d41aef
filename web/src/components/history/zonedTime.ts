// `<input type="datetime-local">` holds a wall-clock time with no zone. The user means the
// workspace's zone (not the browser's), so both directions go through that zone explicitly.

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** How far the zone's wall clock is ahead of UTC at the instant `utcMs` (DST-aware). */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** "2026-11-30T10:00" meant in `timeZone` → ISO UTC; null for anything else. */
export function zonedInputToIso(local: string, timeZone: string): string | null {
  const m = LOCAL.exec(local);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const first = zoneOffsetMs(naive, timeZone);
  let utc = naive - first;
  // Near a DST switch the offset at the result can differ from the offset at the guess.
  const second = zoneOffsetMs(utc, timeZone);
  if (second !== first) utc = naive - second;
  return new Date(utc).toISOString();
}

/** ISO → "2026-11-30T10:00" on the wall clock of `timeZone`; '' when absent or unreadable. */
export function isoToZonedInput(iso: string | null | undefined, timeZone: string): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const wall = new Date(ms + zoneOffsetMs(ms, timeZone));
  return wall.toISOString().slice(0, 16);
}
