// The time windows Ozon polls read: how far back a poll may look (the plan's parsing period, never
// more than Ozon's one-year list period) and one bounded walk over a paged list.
import { collectPages, nextOffset } from '../../../connector-kit/paging.ts';
import { lookBackWindow } from '../../../connector-kit/polling.ts';
import type { TriggerContext } from '../../../connector-kit/types.ts';
import { MAX_LIMIT, MAX_PERIOD_DAYS, type Obj, type OzonClient } from '../client.ts';

export const DAY_MS = 86_400_000;
/** Pages one poll reads per list at most (10,000 postings); the rest waits for the next poll. */
export const MAX_PAGES_PER_POLL = 10;

/** The oldest instant a poll may ask for now: the plan's parsing period (30 days if unknown), at most a year. */
export function floorOf(ctx: Pick<TriggerContext, 'parsingDays'>, now: Date): number {
  const { from } = lookBackWindow(ctx, now);
  return Math.max(from.getTime(), now.getTime() - MAX_PERIOD_DAYS * DAY_MS);
}

/** The first poll's start: the flow's own days if set, capped by the plan's parsing period and a year. */
export function firstSince(ctx: Pick<TriggerContext, 'parsingDays'>, now: Date, days: number | undefined): number {
  const { from } = lookBackWindow(ctx, now, days);
  return Math.max(from.getTime(), now.getTime() - MAX_PERIOD_DAYS * DAY_MS);
}

export interface ListQuery {
  since: number;
  to: number;
  status?: string;
  /** FBS only: postings whose status changed at or after this instant (and by `to`). */
  lastChangedFrom?: number;
  offset: number;
  signal: AbortSignal;
  /** Page size (Ozon allows up to 1,000). */
  limit?: number;
}

export interface ListWalk {
  postings: Obj[];
  /** The offset to go on from when the page budget ran out; null when the list was read to the end. */
  next: number | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** /v3/posting/fbs/list from `offset`, page after page until has_next is false (bounded). */
export async function walkFbs(client: OzonClient, q: ListQuery): Promise<ListWalk> {
  const limit = q.limit ?? MAX_LIMIT;
  const walk = await collectPages<Obj, number>(
    q.offset,
    async (offset) => {
      const page = await client.fbsList({ since: iso(q.since), to: iso(q.to), status: q.status, lastChangedFrom: q.lastChangedFrom === undefined ? undefined : iso(q.lastChangedFrom), offset, limit });
      return { items: page.postings, next: nextOffset(offset, page.postings.length, page.hasNext) };
    },
    { maxPages: MAX_PAGES_PER_POLL, signal: q.signal },
  );
  return { postings: walk.items, next: walk.next };
}

/** /v2/posting/fbo/list from `offset`: a plain array, so the end is a page shorter than the limit. */
export async function walkFbo(client: OzonClient, q: ListQuery): Promise<ListWalk> {
  const limit = q.limit ?? MAX_LIMIT;
  const walk = await collectPages<Obj, number>(
    q.offset,
    async (offset) => {
      const page = await client.fboList({ since: iso(q.since), to: iso(q.to), status: q.status, offset, limit });
      return { items: page, next: page.length === limit ? offset + page.length : null };
    },
    { maxPages: MAX_PAGES_PER_POLL, signal: q.signal },
  );
  return { postings: walk.items, next: walk.next };
}

/**
 * Where an unfinished walk (sorted by in_process_at, oldest first) goes on next poll: from the last
 * posting's in_process_at, skipping the postings at exactly that instant already read. Kept as a
 * time rather than the raw offset, because the next poll's window starts later (the floor moves
 * with the clock) and an offset into the old window would point elsewhere.
 */
export function resumePoint(postings: Obj[], fallbackSince: number): { since: number; offset: number } {
  const last = postings.at(-1);
  const at = last ? Date.parse(String(last.in_process_at)) : Number.NaN;
  if (!Number.isFinite(at)) return { since: fallbackSince, offset: postings.length };
  let ties = 0;
  for (let i = postings.length - 1; i >= 0 && Date.parse(String(postings[i].in_process_at)) === at; i--) ties++;
  return { since: at, offset: ties };
}
