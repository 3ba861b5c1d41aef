// `posting.new` (Новое отправление): polls /v3/posting/fbs/list (and /v2/posting/fbo/list when the
// flow asks) over a window that starts at the cursor and ends now. Each posting starts one
// execution, ever: the dedupe key is its posting_number, and the store refuses a second execution
// with the same key, so re-reading postings (the overlap below, a crash before the cursor was
// saved, a restart) is harmless. The first poll looks back (marketplaces' way): the flow's
// `lookbackDays`, never more than the plan's parsing period; every later poll is floored there too.
import { z } from 'zod';
import { definePollTrigger } from '../../../connector-kit/polling.ts';
import { OzonClient, postingPayload, type Obj } from '../client.ts';
import { newPostingOptions, postingFields } from '../fields.ts';
import { floorOf, firstSince, resumePoint, walkFbo, walkFbs } from './window.ts';

/**
 * How far back each poll re-reads after a complete walk. A posting can show up in the list a
 * little after its in_process_at (and a page walk by offset can miss one inserted mid-walk);
 * re-reading the last hour finds those, dedupe drops the rest.
 */
export const OVERLAP_MS = 60 * 60_000;

const schemeCursor = z.object({
  /** in_process_at from which the next poll reads (ISO). */
  since: z.string(),
  /** Set when the last poll's page budget ran out: postings at exactly `since` already read. */
  offset: z.number().int().min(0).optional(),
});
const cursorSchema = z.object({ fbs: schemeCursor.optional(), fbo: schemeCursor.optional() });
export type PostingNewCursor = z.infer<typeof cursorSchema>;

type Scheme = 'fbs' | 'fbo';
interface Found {
  scheme: Scheme;
  posting: Obj;
}

const schemesOf = (option: string | undefined): Scheme[] => (option === 'both' ? ['fbs', 'fbo'] : option === 'fbo' ? ['fbo'] : ['fbs']);

export const postingNew = definePollTrigger({
  id: 'posting.new',
  label: { ru: 'Новое отправление', en: 'New posting' },
  description:
    'Опрашивает список отправлений Ozon (FBS и/или FBO): каждое новое отправление — один запуск потока, даже после перезапуска. Первый опрос смотрит назад на период парсинга тарифа.',
  fields: postingFields,
  extensibleFields: true,
  options: newPostingOptions,
  interval: { defaultSeconds: 600, minSeconds: 60 },
  cursor: cursorSchema,
  deliverFromStart: true,
  start(ctx, now) {
    const since = new Date(firstSince(ctx, now, ctx.options.lookbackDays)).toISOString();
    const cursor: PostingNewCursor = {};
    for (const s of schemesOf(ctx.options.schemes)) cursor[s] = { since };
    return cursor;
  },
  sampleStart: (now) => ({ fbs: { since: new Date(now.getTime() - 7 * 86_400_000).toISOString() }, fbo: { since: new Date(now.getTime() - 7 * 86_400_000).toISOString() } }),
  async fetch(ctx, cursor, now) {
    const client = new OzonClient(ctx);
    const floor = floorOf(ctx, now);
    const to = now.getTime();
    const items: Found[] = [];
    const next: PostingNewCursor = {};
    for (const scheme of schemesOf(ctx.options.schemes)) {
      const at = cursor[scheme];
      // A scheme added to the flow later starts like a first poll.
      let since = at ? Date.parse(at.since) : firstSince(ctx, now, ctx.options.lookbackDays);
      let offset = at?.offset ?? 0;
      if (!Number.isFinite(since) || since < floor) {
        // The plan's parsing period (or a year) moved past the cursor: never ask for older postings.
        since = floor;
        offset = 0;
      }
      if (since > to) since = to;
      const query = { since, to, offset, signal: ctx.signal, status: scheme === 'fbs' ? ctx.options.status : undefined };
      const walk = scheme === 'fbs' ? await walkFbs(client, query) : await walkFbo(client, query);
      for (const posting of walk.postings) items.push({ scheme, posting });
      if (walk.next !== null) {
        const resume = resumePoint(walk.postings, since);
        next[scheme] = { since: new Date(resume.since).toISOString(), offset: resume.offset };
      } else next[scheme] = { since: new Date(Math.max(since, to - OVERLAP_MS)).toISOString() };
    }
    return { items, cursor: next };
  },
  keyOf: (item) => `new:${String(item.posting.posting_number)}`,
  payloadOf: (item) => postingPayload(item.posting, item.scheme),
});
