// The look-back both Wildberries triggers share: GET /api/v3/orders over [from, now] in windows of
// at most 29 days (WB refuses more than 30 a call), each paged with `next` until an empty or short
// page, never older than the plan's parsing period allows, at most MAX_PAGES_PER_POLL requests per
// poll. A walk cut short by that bound keeps where it stopped (window and `next`) in the cursor and
// the next poll goes on from there; a finished walk moves `from` to the poll's time, and the next
// one starts OVERLAP_S before it, so an order that shows up in the listing a little after its
// createdAt is still found. Orders seen twice are harmless: triggers key them and the store starts
// one execution per key.
import { z } from 'zod';
import { lookBackWindow } from '../../../connector-kit/polling.ts';
import type { TriggerContext } from '../../../connector-kit/types.ts';
import { splitWindow, unixSeconds, type Window, type WildberriesClient } from '../client.ts';

type Obj = Record<string, unknown>;

export const MAX_PAGES_PER_POLL = 20;
export const OVERLAP_S = 600;

export const walkCursor = z.object({
  /** Unix seconds: the next walk covers [from − OVERLAP_S, now]. */
  from: z.number(),
  /** An unfinished walk: the window it was in and the `next` to ask for. */
  resume: z.object({ from: z.number(), to: z.number(), next: z.number() }).optional(),
});
export type WalkCursor = z.infer<typeof walkCursor>;

export interface WalkResult {
  orders: Obj[];
  cursor: WalkCursor;
  /** False when the page budget ran out before `now`. */
  complete: boolean;
  pages: number;
}

/** The oldest second a poll may ask about: the flow's look-back, capped by the plan's parsing period. */
export function floorOf(ctx: Pick<TriggerContext, 'parsingDays'>, now: Date, days: number | undefined): number {
  return unixSeconds(lookBackWindow(ctx, now, days).from);
}

export async function walkOrders(client: WildberriesClient, cursor: WalkCursor, bounds: { floor: number; now: number }, opts: { pageSize: number; maxPages?: number }): Promise<WalkResult> {
  const { floor, now } = bounds;
  const maxPages = opts.maxPages ?? MAX_PAGES_PER_POLL;
  const windows: Array<Window & { next: number }> = [];
  let start: number;
  const resume = cursor.resume;
  if (resume && resume.to > floor) {
    // A resumed window keeps its dateTo so `next` stays valid; one the plan now cuts starts over.
    windows.push(resume.from >= floor ? { ...resume } : { from: floor, to: resume.to, next: 0 });
    start = resume.to;
  } else start = Math.max(cursor.from - OVERLAP_S, floor);
  if (start < now) for (const w of splitWindow(start, now)) windows.push({ ...w, next: 0 });

  const orders: Obj[] = [];
  let pages = 0;
  for (const w of windows) {
    let next = w.next;
    for (;;) {
      if (pages >= maxPages) return { orders, cursor: { from: w.from, resume: { from: w.from, to: w.to, next } }, complete: false, pages };
      const page = await client.ordersPage(w, next, opts.pageSize);
      pages++;
      orders.push(...page.orders);
      const advanced = page.next !== undefined && page.next !== next;
      if (page.orders.length < opts.pageSize || !advanced) break;
      next = page.next!;
    }
  }
  return { orders, cursor: { from: now }, complete: true, pages };
}

/** An order's createdAt as unix seconds (NaN when absent). */
export function createdSeconds(order: Obj): number {
  return typeof order.createdAt === 'string' ? unixSeconds(Date.parse(order.createdAt)) : Number.NaN;
}
