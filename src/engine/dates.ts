// Dates between the formats the source services use: ISO 8601, RetailCRM's `Y-m-d H:i:s`,
// Calltouch's `dd/mm/yyyy hh:mm:ss`, `dd.mm.yyyy`, unix time. A date-time without a zone is
// wall-clock time and is converted as such, never shifted by this machine's time zone.

export interface WallClock {
  /** The wall-clock fields encoded as if they were UTC. */
  wall: number;
  /** Minutes east of UTC when the input said so, else null. */
  offset: number | null;
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const DMY = /^(\d{2})([/.])(\d{2})\2(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

export function parseWallClock(input: unknown): WallClock | undefined {
  if (typeof input === 'number' && Number.isFinite(input)) {
    // Unix seconds or milliseconds; an instant, shown in UTC.
    return { wall: input < 1e11 ? input * 1000 : input, offset: 0 };
  }
  if (typeof input !== 'string') return undefined;
  const text = input.trim();
  if (/^\d{9,13}$/.test(text)) return parseWallClock(Number(text));
  let m = YMD.exec(text);
  if (m) {
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0);
    if (!valid(wall, +m[1], +m[2], +m[3])) return undefined;
    let offset: number | null = null;
    if (m[8]) {
      if (m[8].toUpperCase() === 'Z') offset = 0;
      else {
        const sign = m[8][0] === '-' ? -1 : 1;
        const digits = m[8].slice(1).replace(':', '');
        offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
      }
    }
    return { wall, offset };
  }
  m = DMY.exec(text);
  if (m) {
    const wall = Date.UTC(+m[4], +m[3] - 1, +m[1], +(m[5] ?? 0), +(m[6] ?? 0), +(m[7] ?? 0));
    if (!valid(wall, +m[4], +m[3], +m[1])) return undefined;
    return { wall, offset: null };
  }
  return undefined;
}

function valid(wall: number, y: number, mo: number, d: number): boolean {
  const date = new Date(wall);
  return !Number.isNaN(wall) && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Epoch ms for comparisons: the instant when a zone was given, else the wall clock as UTC. */
export function parseDate(input: unknown): number | undefined {
  const w = parseWallClock(input);
  return w === undefined ? undefined : w.wall - (w.offset ?? 0) * 60_000;
}

export const DATE_FORMATS = ['dd/mm/yyyy', 'dd/mm/yyyy hh:mm:ss', 'Y-m-d', 'Y-m-d H:i:s', 'dd.mm.yyyy', 'iso', 'unix'] as const;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatDate(w: WallClock, format: string): string | number {
  const d = new Date(w.wall);
  const [Y, M, D, h, m, s] = [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), pad(d.getUTCHours()), pad(d.getUTCMinutes()), pad(d.getUTCSeconds())];
  switch (format) {
    case 'dd/mm/yyyy':
      return `${D}/${M}/${Y}`;
    case 'dd/mm/yyyy hh:mm:ss':
      return `${D}/${M}/${Y} ${h}:${m}:${s}`;
    case 'Y-m-d':
      return `${Y}-${M}-${D}`;
    case 'Y-m-d H:i:s':
      return `${Y}-${M}-${D} ${h}:${m}:${s}`;
    case 'dd.mm.yyyy':
      return `${D}.${M}.${Y}`;
    case 'iso': {
      const base = `${Y}-${M}-${D}T${h}:${m}:${s}`;
      if (w.offset === null) return base;
      if (w.offset === 0) return `${base}Z`;
      const a = Math.abs(w.offset);
      return `${base}${w.offset < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
    }
    case 'unix':
      return Math.floor((w.wall - (w.offset ?? 0) * 60_000) / 1000);
    default:
      throw new Error(`unknown date format "${format}" (known: ${DATE_FORMATS.join(', ')})`);
  }
}
