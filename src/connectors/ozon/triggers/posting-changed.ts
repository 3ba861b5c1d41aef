// `posting.changed` (Изменился статус отправления): FBS postings whose status changed since the
// last poll, found with /v3/posting/fbs/list's `last_changed_status_date` filter inside the plan's
// parsing period. One execution per posting and status (`${posting_number}@${status}`). The first
// poll only takes "now" as its starting point: statuses the postings already have are the
// baseline and are not delivered (a flow switched on does not replay the past).
import { z } from 'zod';
import { definePollTrigger } from '../../../connector-kit/polling.ts';
import { OzonClient, postingPayload, type Obj } from '../client.ts';
import { changedPostingFields, changedPostingOptions } from '../fields.ts';
import { floorOf, resumePoint, walkFbs } from './window.ts';

/** Changes re-read each poll: a change may become visible in the list a little after it happened. */
export const CHANGED_OVERLAP_MS = 10 * 60_000;

const cursorSchema = z.object({
  /** Status changes at or after this instant are read next (ISO; the overlap is already taken off). */
  since: z.string(),
  /** Set when the last poll's page budget ran out: postings at exactly `postedFrom` already read. */
  offset: z.number().int().min(0).optional(),
  /** Set with `offset`: the in_process_at the unfinished walk goes on from. */
  postedFrom: z.string().optional(),
});

type ChangedCursor = z.infer<typeof cursorSchema>;

export const postingChanged = definePollTrigger({
  id: 'posting.changed',
  label: { ru: 'Изменился статус отправления', en: 'Posting status changed' },
  description: 'Опрашивает отправления FBS, у которых сменился статус: каждая пара «отправление + новый статус» — один запуск потока. Первый опрос запоминает текущее состояние и ничего не запускает.',
  fields: changedPostingFields,
  extensibleFields: true,
  options: changedPostingOptions,
  interval: { defaultSeconds: 600, minSeconds: 60 },
  cursor: cursorSchema,
  start: (_ctx, now): ChangedCursor => ({ since: now.toISOString() }),
  sampleStart: (now): ChangedCursor => ({ since: new Date(now.getTime() - 7 * 86_400_000).toISOString() }),
  async fetch(ctx, cursor, now) {
    const client = new OzonClient(ctx);
    const to = now.getTime();
    const floor = floorOf(ctx, now);
    let changedFrom = Date.parse(cursor.since);
    let postedFrom = cursor.postedFrom ? Date.parse(cursor.postedFrom) : floor;
    let offset = cursor.offset ?? 0;
    if (!Number.isFinite(changedFrom) || changedFrom < floor) changedFrom = floor;
    if (!Number.isFinite(postedFrom) || postedFrom < floor) {
      // The plan's parsing period moved past the cursor: never ask for older postings.
      postedFrom = floor;
      offset = 0;
    }
    const walk = await walkFbs(client, { since: postedFrom, to, lastChangedFrom: Math.min(changedFrom, to), offset, signal: ctx.signal });
    const wanted = ctx.options.status;
    const items: Obj[] = wanted ? walk.postings.filter((p) => p.status === wanted) : walk.postings;
    let next: ChangedCursor;
    if (walk.next !== null) {
      const resume = resumePoint(walk.postings, postedFrom);
      next = { since: new Date(changedFrom).toISOString(), offset: resume.offset, postedFrom: new Date(resume.since).toISOString() };
    } else next = { since: new Date(Math.max(changedFrom, to - CHANGED_OVERLAP_MS)).toISOString() };
    return { items, cursor: next };
  },
  keyOf: (p) => `${String(p.posting_number)}@${String(p.status)}`,
  payloadOf: (p) => postingPayload(p, 'fbs'),
});
