// `order.new` (Новая сделка в журнале): polls the deal journal over a look-back window and emits
// each new deal once and each changed deal (a new updatedDate) once. The cursor holds every deal
// of the window with the version last emitted; the kit persists it with the new executions, takes
// the first poll as the starting point and keys each event `orderNumber@version`.
import { z } from 'zod';
import { definePollTrigger, type PollContext } from '../../../connector-kit/polling.ts';
import type { Values } from '../../../connector-kit/fields.ts';
import { CalltouchClient, commentsChoice, formatDmy, parseDmyHms, wallClock } from '../client.ts';
import { newOrderOptions, recordFields } from '../fields.ts';

type Obj = Record<string, any>;
type Options = Values<typeof newOrderOptions>;
const DAY_MS = 86_400_000;

const cursorSchema = z.object({
  /** orderNumber → version (updatedDate ?? createdDate) already emitted or taken as the start. */
  seen: z.record(z.string(), z.string()),
  /** First poll with `start: lookBack`: deals created before this (account wall clock, ms) are taken as seen, not delivered. */
  after: z.number().optional(),
});
export type OrderNewCursor = z.infer<typeof cursorSchema>;

interface Deal {
  event: 'new' | 'changed';
  record: Obj;
  version: string;
}

function versionOf(r: Obj): string {
  return String(r.updatedDate ?? r.createdDate ?? r.orderDate ?? '');
}

/** Every deal of the window, compared with what the cursor has seen. */
export async function readJournal(ctx: PollContext<Options>, seenBefore: OrderNewCursor['seen'] | null, now: Date, after?: number): Promise<{ items: Deal[]; cursor: OrderNewCursor }> {
  const options = ctx.options;
  const client = new CalltouchClient(ctx);
  // Today on the account's clock: the journal's dates are the account's wall-clock dates.
  const today = Math.floor(wallClock(now.getTime(), client.timeZone) / DAY_MS) * DAY_MS;
  const seen: Record<string, string> = {};
  const items: Deal[] = [];
  const params = {
    // A first poll that looks back further than the journal window reads back that far once.
    dateFrom: formatDmy(Math.min(today - options.lookbackDays * DAY_MS, after === undefined ? Infinity : Math.floor(after / DAY_MS) * DAY_MS)),
    // Through tomorrow: dateTo must be after dateFrom, and a deal may be dated ahead of our clock.
    dateTo: formatDmy(today + DAY_MS),
    withOrdersTags: true,
    // "all": every deal, with a comment or without (two passes; see CalltouchClient.exportOrders).
    withComments: commentsChoice(options.comments, 'comments'),
    withAllOrderOrigins: options.withAllOrderOrigins,
  };
  for await (const r of client.exportOrders(params)) {
    const on = String(r.orderNumber ?? '');
    if (!on) continue;
    const version = versionOf(r);
    seen[on] = version;
    if (!seenBefore) continue;
    const before = seenBefore[on];
    if (before === undefined) {
      const created = parseDmyHms(r.createdDate ?? r.orderDate);
      if (after !== undefined && created !== undefined && created < after) continue;
      items.push({ event: 'new', record: r, version });
    }
    else if (before !== version && options.emitChanged) items.push({ event: 'changed', record: r, version });
  }
  return { items, cursor: { seen } };
}

export const orderNew = definePollTrigger({
  id: 'order.new',
  label: { ru: 'Новая сделка в журнале', en: 'New deal in the journal' },
  description: 'Опрашивает журнал сделок: каждая новая сделка и каждое изменение сделки (updatedDate) — один запуск связки.',
  fields: [{ id: 'event', label: 'Событие: new или changed', type: 'string' }, ...recordFields],
  extensibleFields: true,
  options: newOrderOptions,
  interval: { defaultSeconds: 300 },
  cursor: cursorSchema,
  start: async (ctx, now) => (await readJournal(ctx, null, now)).cursor,
  // Nothing seen yet, and only deals created in the last `days` are new (on the account's clock).
  lookBack: {
    defaultDays: 1,
    maxDays: 90,
    start: (ctx, now, days): OrderNewCursor => ({ seen: {}, after: wallClock(now.getTime(), new CalltouchClient(ctx).timeZone) - days * DAY_MS }),
  },
  // Nothing seen yet: every deal of the look-back window counts as new.
  sampleStart: (): OrderNewCursor => ({ seen: {} }),
  fetch: (ctx, cursor, now) => readJournal(ctx, cursor.seen, now, cursor.after),
  keyOf: (deal) => `${String(deal.record.orderNumber)}@${deal.version}`,
  payloadOf: (deal) => ({ event: deal.event, ...deal.record }),
});
