// `order.new`: orders in the chosen states (NEW by default) found by polling GET /orders over a
// moving creationDate window; each order once, with its entries. The first poll looks back the
// flow's days, never more than the plan's parsing period. Every poll re-reads the last day before
// where the previous one ended: an order reaches NEW only when the bank approves it, which can be
// hours after its creationDate. The store's dedupe key `new:<id>` makes that overlap harmless; the
// cursor also remembers the ids it delivered in the overlap so their entries are not fetched again.
import { z } from 'zod';
import { definePollTrigger, lookBackWindow, type PollContext } from '../../../connector-kit/polling.ts';
import type { Values } from '../../../connector-kit/fields.ts';
import { KaspiClient, type KaspiOrder } from '../client.ts';
import { newOrderOptions, normalizeStates, orderFields } from '../fields.ts';
import { resumeSchema, walkOrders } from './listing.ts';

type Options = Values<typeof newOrderOptions>;

const DAY_MS = 86_400_000;
/** How far before the last poll's end each poll starts again. */
export const OVERLAP_MS = DAY_MS;
/** Orders delivered per poll (each costs one entries request); the rest come with the next poll. */
export const MAX_NEW_PER_POLL = 100;

const cursorSchema = z.object({
  /** The next window starts at `from - OVERLAP_MS` (or at `resume`), never before the parsing period. */
  from: z.number(),
  /** Order id → creationDate of the orders already delivered within the overlap. */
  seen: z.record(z.string(), z.number()),
  resume: resumeSchema.optional(),
});
export type OrderNewCursor = z.infer<typeof cursorSchema>;

export async function fetchNewOrders(ctx: PollContext<Options>, cursor: OrderNewCursor, now: Date): Promise<{ items: KaspiOrder[]; cursor: OrderNewCursor }> {
  const client = new KaspiClient(ctx);
  const floor = lookBackWindow(ctx, now, ctx.options.lookbackDays).from.getTime();
  const to = now.getTime();
  const resume = cursor.resume && cursor.resume.from >= floor ? cursor.resume : undefined;
  const from = Math.max(floor, resume ? resume.from : cursor.from - OVERLAP_MS);
  const walked = await walkOrders(client, { from, to, states: normalizeStates(ctx.options.states), resume, signal: ctx.signal });

  const fresh = walked.orders.filter((o) => !(o.id in cursor.seen) && !(Number(o.creationDate) < floor));
  const taken = fresh.slice(0, MAX_NEW_PER_POLL);
  const items: KaspiOrder[] = [];
  for (const order of taken) items.push(await client.withEntries(order));

  let next = walked.resume ? walked.resume.from : to;
  let nextResume = walked.resume;
  const left = fresh[MAX_NEW_PER_POLL];
  if (left && Number.isFinite(left.creationDate)) {
    // Orders left for the next poll: it lists again from the first of them.
    next = Math.min(next, left.creationDate + OVERLAP_MS);
    nextResume = undefined;
  }
  const keepFrom = Math.min(next - OVERLAP_MS, nextResume?.from ?? Infinity);
  const seen: Record<string, number> = {};
  for (const [id, at] of Object.entries(cursor.seen)) if (at >= keepFrom) seen[id] = at;
  for (const o of items) seen[o.id] = Number.isFinite(o.creationDate) ? o.creationDate : to;
  return { items, cursor: { from: next, seen, ...(nextResume ? { resume: nextResume } : {}) } };
}

export const orderNew = definePollTrigger({
  id: 'order.new',
  label: { ru: 'Новый заказ Kaspi', en: 'New Kaspi order' },
  description:
    'Опрашивает заказы Kaspi (GET /orders) в выбранных состояниях (по умолчанию NEW): каждый заказ — один запуск связки, с позициями (entries). Первый опрос смотрит назад на период парсинга тарифа (или меньше, если указано). / Polls Kaspi orders in the chosen states; each order runs the flow once, with its entries.',
  fields: orderFields,
  extensibleFields: true,
  options: newOrderOptions,
  interval: { defaultSeconds: 600, minSeconds: 60 },
  cursor: cursorSchema,
  deliverFromStart: true,
  start: (ctx, now) => ({ from: lookBackWindow(ctx, now, ctx.options.lookbackDays).from.getTime() + OVERLAP_MS, seen: {} }),
  sampleStart: (now) => ({ from: now.getTime() - 7 * DAY_MS, seen: {} }),
  fetch: fetchNewOrders,
  keyOf: (order) => `new:${order.id}`,
  payloadOf: (order) => order,
});
