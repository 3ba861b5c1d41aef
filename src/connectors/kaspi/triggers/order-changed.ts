// `order.changed`: an order of the look-back window whose state or status differs from the last
// poll's. Kaspi has no change feed, so every poll lists the window (all chosen states) and compares
// with the cursor's `seen` map. The first poll only takes that baseline and delivers nothing (what
// changed before it is unknown). Keys `<id>@<state>/<status>`: each change of each order runs once.
import { z } from 'zod';
import { definePollTrigger, lookBackWindow, type PollContext } from '../../../connector-kit/polling.ts';
import type { Values } from '../../../connector-kit/fields.ts';
import { KaspiClient, type KaspiOrder } from '../client.ts';
import { changedFields, changedOrderOptions, normalizeStates } from '../fields.ts';
import { resumeSchema, walkOrders } from './listing.ts';

type Options = Values<typeof changedOrderOptions>;
type Changed = KaspiOrder & { previousState: string | null; previousStatus: string | null };

/** Changes delivered per poll (each costs one entries request); the rest are found by the next poll. */
export const MAX_CHANGES_PER_POLL = 100;
const SAMPLE_SIZE = 20;

const cursorSchema = z.object({
  /** Order id → [`state/status`, creationDate] as last seen. */
  seen: z.record(z.string(), z.tuple([z.string(), z.number()])),
  /** A window walk cut short by the page budget goes on from here. */
  resume: resumeSchema.optional(),
  /** Only the editor's sample: report every order listed, as if all were changes. */
  reportAll: z.boolean().optional(),
});
export type OrderChangedCursor = z.infer<typeof cursorSchema>;

const versionOf = (o: KaspiOrder) => `${o.state}/${o.status}`;

async function walk(ctx: PollContext<Options>, cursor: OrderChangedCursor, now: Date, deliver: boolean): Promise<{ items: Changed[]; cursor: OrderChangedCursor }> {
  const client = new KaspiClient(ctx);
  const floor = lookBackWindow(ctx, now, ctx.options.lookbackDays).from.getTime();
  const resume = cursor.resume && cursor.resume.from >= floor ? cursor.resume : undefined;
  const walked = await walkOrders(client, { from: floor, to: now.getTime(), states: normalizeStates(ctx.options.states), resume, signal: ctx.signal });

  const seen: OrderChangedCursor['seen'] = {};
  for (const [id, entry] of Object.entries(cursor.seen)) if (entry[1] >= floor) seen[id] = entry;
  const items: Changed[] = [];
  // A sample shows a few of the newest orders; their entries are fetched, so not the whole window's.
  const sampleFrom = cursor.reportAll ? Math.max(0, walked.orders.length - SAMPLE_SIZE) : 0;
  for (const [i, order] of walked.orders.entries()) {
    const version = versionOf(order);
    const before = cursor.seen[order.id];
    const created = Number.isFinite(order.creationDate) ? order.creationDate : now.getTime();
    const changed = deliver && (before ? before[0] !== version : (cursor.reportAll && i >= sampleFrom) || ctx.options.includeNew);
    if (changed) {
      // Past the budget the change is left unrecorded, so the next poll finds it again.
      if (items.length >= MAX_CHANGES_PER_POLL) continue;
      const [previousState, previousStatus] = before ? before[0].split('/') : [null, null];
      items.push({ ...(await client.withEntries(order)), previousState: previousState ?? null, previousStatus: previousStatus ?? null });
    }
    seen[order.id] = [version, created];
  }
  return { items, cursor: { seen, ...(walked.resume ? { resume: walked.resume } : {}) } };
}

export const orderChanged = definePollTrigger({
  id: 'order.changed',
  label: { ru: 'Изменение заказа Kaspi', en: 'Kaspi order changed' },
  description:
    'Заказ сменил состояние (state) или статус (status): каждое изменение — один запуск связки, с позициями и предыдущими state/status. Первый опрос только запоминает текущие состояния и ничего не запускает. / An order changed its state or status; the first poll only takes a baseline.',
  fields: changedFields,
  extensibleFields: true,
  options: changedOrderOptions,
  interval: { defaultSeconds: 600, minSeconds: 60 },
  cursor: cursorSchema,
  start: async (ctx, now) => (await walk(ctx, { seen: {} }, now, false)).cursor,
  sampleStart: () => ({ seen: {}, reportAll: true }),
  fetch: (ctx, cursor, now) => walk(ctx, cursor, now, true),
  keyOf: (order) => `${order.id}@${order.state}/${order.status}`,
  payloadOf: (order) => order,
});
