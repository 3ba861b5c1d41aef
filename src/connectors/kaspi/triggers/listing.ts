// Walks GET /orders over a creationDate window the way Kaspi allows: windows of at most 14 days
// (oldest first), one request set per state, page[number] from 0 to meta.pageCount. A walk is
// bounded by a page budget; where it stops is returned as `resume`, and the next poll goes on
// from there instead of starting the window over (so a big window is read across several polls).
import { z } from 'zod';
import { MAX_PAGE_SIZE, splitWindow, type KaspiClient, type KaspiOrder } from '../client.ts';
import type { OrderState } from '../fields.ts';

export const resumeSchema = z.object({
  /** The 14-day window being read when the budget ran out. */
  from: z.number(),
  to: z.number(),
  state: z.string(),
  page: z.number().int().min(0),
});
export type Resume = z.infer<typeof resumeSchema>;

export interface Walked {
  /** Every order listed, each once (the last seen copy), in creationDate order. */
  orders: KaspiOrder[];
  /** Where the next walk goes on; undefined when the whole window was read. */
  resume: Resume | undefined;
  pages: number;
}

/** Pages per poll: 50 × 100 orders; a bigger window is finished by the following polls. */
export const MAX_PAGES_PER_POLL = 50;

export async function walkOrders(
  client: KaspiClient,
  opts: { from: number; to: number; states: readonly OrderState[]; resume?: Resume; maxPages?: number; pageSize?: number; signal?: AbortSignal },
): Promise<Walked> {
  const maxPages = opts.maxPages ?? MAX_PAGES_PER_POLL;
  const size = opts.pageSize ?? MAX_PAGE_SIZE;
  const byId = new Map<string, KaspiOrder>();
  const resume = opts.resume && opts.resume.to <= opts.to && opts.resume.from >= opts.from ? opts.resume : undefined;
  const windows = resume ? [{ from: resume.from, to: resume.to }, ...(resume.to < opts.to ? splitWindow(resume.to + 1, opts.to) : [])] : splitWindow(opts.from, opts.to);
  let pages = 0;
  for (let w = 0; w < windows.length; w++) {
    const win = windows[w];
    // Resuming: the states before the resumed one are done for this window.
    const first = w === 0 && resume ? Math.max(0, opts.states.indexOf(resume.state as OrderState)) : 0;
    for (let s = first; s < opts.states.length; s++) {
      const state = opts.states[s];
      let page = w === 0 && resume && s === first && resume.state === state ? resume.page : 0;
      for (;;) {
        if (pages >= maxPages) return { orders: sorted(byId), resume: { from: win.from, to: win.to, state, page }, pages };
        opts.signal?.throwIfAborted();
        const got = await client.listOrders({ state, from: win.from, to: win.to, page, size });
        pages++;
        for (const o of got.orders) byId.set(o.id, o);
        const more = got.pageCount !== undefined ? page + 1 < got.pageCount : got.orders.length >= size;
        if (!more || got.orders.length === 0) break;
        page++;
      }
    }
  }
  return { orders: sorted(byId), resume: undefined, pages };
}

function sorted(byId: Map<string, KaspiOrder>): KaspiOrder[] {
  return [...byId.values()].sort((a, b) => (Number(a.creationDate) || 0) - (Number(b.creationDate) || 0) || a.id.localeCompare(b.id));
}
