// `order.created` / `order.changed` delivered by polling (a flow sets `trigger.options.delivery: "poll"`): the same events found by polling orders/history from
// a stored `sinceId`, as RetailCRM's own modules do — nothing is lost while Svyazka is down. One
// poll groups history records into one event per order; changes made through the API by this very
// key are skipped (loop guard); the cursor the engine stores with the new executions in one write
// makes sure nothing is delivered twice.
import { z } from 'zod';
import type { Values } from '../../../connector-kit/fields.ts';
import { definePollTrigger, type PollContext } from '../../../connector-kit/polling.ts';
import { RetailcrmClient, crmDateTime } from '../client.ts';
import { orderChangedFields, orderCreatedFields, pollTriggerOptions } from '../fields.ts';

type Obj = Record<string, any>;
type Options = Values<typeof pollTriggerOptions>;

const cursorSchema = z.object({
  /** Last history record id seen. */
  sinceId: z.number().optional(),
  /** Before the first record is seen: only records from this moment on (account time). */
  startDate: z.string().optional(),
  /** Own API changes skipped so far (skipOwnChanges), shown with the flow. */
  skippedOwnChanges: z.number().optional(),
});
export type HistoryCursor = z.infer<typeof cursorSchema>;

interface OrderEvent {
  order: Obj;
  changedFields: string[];
  /** The last history record of this order in the poll: a new one for every real change. */
  lastRecordId: number;
}

const MAX_PAGES_PER_POLL = 20;

/** First poll: "now" in the account's own clock (its zone may differ from ours), which every history answer carries as `generatedAt`. */
async function startingPoint(ctx: PollContext<Options>): Promise<HistoryCursor> {
  const env = await new RetailcrmClient(ctx).ordersHistory(undefined, { limit: 20, startDate: '2999-12-31 23:59:59' });
  return { startDate: typeof env.generatedAt === 'string' && env.generatedAt ? env.generatedAt : crmDateTime() };
}

/** First poll with `start: lookBack`: the account's "now" less `days`, so the first poll delivers those days. */
async function lookBackPoint(ctx: PollContext<Options>, days: number): Promise<HistoryCursor> {
  const { startDate } = await startingPoint(ctx);
  const ms = Date.parse(`${startDate!.replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) return { startDate };
  return { startDate: new Date(ms - days * 86_400_000).toISOString().slice(0, 19).replace('T', ' ') };
}

/** Reads new history records, groups them per order and re-fetches the orders (100 per request). */
export async function readHistory(ctx: PollContext<Options>, from: HistoryCursor, kind: 'created' | 'changed'): Promise<{ items: OrderEvent[]; cursor: HistoryCursor; skipped?: { count: number; reason: string } }> {
  const client = new RetailcrmClient(ctx);
  const cursor: HistoryCursor = { ...from };
  const skipOwn = ctx.options.skipOwnChanges;
  const groups = new Map<number, { created: boolean; fields: Set<string>; lastId: number }>();
  let skipped = 0;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const env = await client.ordersHistory(cursor.sinceId, { limit: 100, startDate: cursor.sinceId === undefined ? cursor.startDate : undefined });
    const records = (env.history ?? []) as Obj[];
    for (const r of records) {
      cursor.sinceId = Math.max(cursor.sinceId ?? 0, Number(r.id));
      const own = r.source === 'api' && r.apiKey?.current === true;
      if (skipOwn && own) {
        skipped++;
        continue;
      }
      const orderId = Number(r.order?.id);
      if (!Number.isFinite(orderId)) continue;
      const g = groups.get(orderId) ?? { created: false, fields: new Set<string>(), lastId: 0 };
      if (r.created) g.created = true;
      else if (r.field) g.fields.add(String(r.field));
      g.lastId = Math.max(g.lastId, Number(r.id));
      groups.set(orderId, g);
    }
    if (records.length > 0) delete cursor.startDate;
    const p = env.pagination as Obj | undefined;
    if (records.length === 0 || !p || p.totalPageCount <= 1) break;
  }
  const wanted = [...groups.entries()].filter(([, g]) => (kind === 'created' ? g.created : g.fields.size > 0 && !g.created));
  const items: OrderEvent[] = [];
  for (let i = 0; i < wanted.length; i += 100) {
    const chunk = wanted.slice(i, i + 100);
    const env = await client.listOrders({ ids: chunk.map(([id]) => id) }, { limit: 100 });
    const byId = new Map(((env.orders ?? []) as Obj[]).map((o) => [Number(o.id), o]));
    for (const [id, g] of chunk) {
      const order = byId.get(id);
      if (!order) continue; // deleted since
      items.push({ order, changedFields: [...g.fields], lastRecordId: g.lastId });
    }
  }
  if (skipped === 0) return { items, cursor };
  // Said, not silent: the scheduler logs it and the flow's view shows the running total.
  cursor.skippedOwnChanges = (cursor.skippedOwnChanges ?? 0) + skipped;
  return { items, cursor, skipped: { count: skipped, reason: 'skipOwnChanges: changes made through the API by this connection' } };
}

function historyTrigger(kind: 'created' | 'changed') {
  return definePollTrigger({
    id: `order.${kind}`,
    label: kind === 'created' ? { ru: 'Новый заказ (опрос истории)', en: 'Order created (history polling)' } : { ru: 'Заказ изменён (опрос истории)', en: 'Order changed (history polling)' },
    description: 'Опрашивает историю изменений заказов (GET /api/v5/orders/history) с последнего увиденного sinceId: события не теряются, пока сервис был недоступен. Настраивать триггер в RetailCRM не нужно.',
    fields: kind === 'created' ? orderCreatedFields : orderChangedFields,
    extensibleFields: true,
    options: pollTriggerOptions,
    interval: { defaultSeconds: 60 },
    cursor: cursorSchema,
    start: (ctx) => startingPoint(ctx),
    lookBack: { defaultDays: 1, maxDays: 30, start: (ctx, _now, days) => lookBackPoint(ctx, days) },
    statsOf: (cursor) => ({ skippedOwnChanges: cursor.skippedOwnChanges ?? 0 }),
    // A day of history (in our clock; the account's may differ by hours, which a sample tolerates).
    sampleStart: (now) => ({ startDate: crmDateTime(new Date(now.getTime() - 24 * 3600_000)) }),
    fetch: (ctx, cursor) => readHistory(ctx, cursor, kind),
    keyOf: (e) => `${String(e.order.id)}:${e.lastRecordId}`,
    payloadOf: (e) => ({ ...e.order, changedFields: e.changedFields }),
  });
}

export const orderCreatedPoll = historyTrigger('created');
export const orderChangedPoll = historyTrigger('changed');
