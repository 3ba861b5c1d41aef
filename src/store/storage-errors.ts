// A full disk, as each store reports it: SQLite's SQLITE_FULL (13, and a write that failed with
// ENOSPC underneath, SQLITE_IOERR_WRITE and friends carry it in their message) and PostgreSQL's
// disk_full (SQLSTATE 53100). Nothing was stored when one of these is thrown: the webhook gets a
// 503 with Retry-After, never a 200, and the sender tries again later.

const SQLITE_FULL = 13;
const SQLITE_IOERR = 10;

export function isStorageFull(error: unknown): boolean {
  for (let e = error as { errcode?: unknown; code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.errcode === 'number') {
      const primary = e.errcode & 0xff;
      if (primary === SQLITE_FULL) return true;
      if (primary === SQLITE_IOERR && /no space|ENOSPC|disk (is )?full/i.test(String((e as { errstr?: unknown }).errstr ?? e.message ?? ''))) return true;
    }
    if (e.code === '53100' || e.code === 'ENOSPC' || e.code === 'SQLITE_FULL') return true;
  }
  return false;
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
/** PostgreSQL: connection exceptions (class 08), shutting down or starting (57P01–57P03), no free slot (53300). */
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * The database could not be reached or stayed locked (PostgreSQL down or restarting, a full
 * pg_wal that stopped it, SQLite locked past its busy timeout): nothing was stored, the sender
 * should try again shortly — a 503, not a 500.
 */
export function isStorageUnavailable(error: unknown): boolean {
  for (let e = error as { errcode?: unknown; code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.errcode === 'number' && ((e.errcode & 0xff) === SQLITE_BUSY || (e.errcode & 0xff) === SQLITE_LOCKED)) return true;
    if (typeof e.code === 'string' && (PG_UNAVAILABLE.test(e.code) || NET_UNAVAILABLE.has(e.code))) return true;
    if (/Connection terminated|timeout exceeded when trying to connect/i.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/**
 * Whether the store's disk is full now, as the last writes found it: set by a write that failed
 * for space, cleared by the next one that commits (space came back: retention freed some, or the
 * operator did). /readyz says why while it is set.
 */
export class StorageState {
  private fullSince: number | null = null;
  private reason = '';

  full(error: unknown, now = Date.now()): void {
    if (this.fullSince === null) this.fullSince = now;
    this.reason = (error as Error)?.message ?? String(error);
  }

  ok(): void {
    this.fullSince = null;
  }

  /** A readable reason while the disk is full; null otherwise. */
  problem(): { since: number; message: string } | null {
    if (this.fullSince === null) return null;
    return { since: this.fullSince, message: `Диск заполнен: новые данные не записываются / The disk is full: nothing new can be stored (${this.reason})` };
  }
}
