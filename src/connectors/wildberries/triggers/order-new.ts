// `order.new` (Новое сборочное задание): each poll reads GET /api/v3/orders/new (every new task at
// that moment) and walks GET /api/v3/orders since the last poll (see walk.ts); the first poll walks
// the whole look-back — the flow's days, never more than the plan's parsing period. Both lists are
// merged by id (the /orders/new copy wins: it carries more fields) and each task is one event, keyed
// `new:${id}`, so a task seen on many polls, or again after a restart, runs the flow once.
import type { Values } from '../../../connector-kit/fields.ts';
import { definePollTrigger, type PollContext } from '../../../connector-kit/polling.ts';
import { WildberriesClient, unixSeconds, withMoney } from '../client.ts';
import { orderFields, orderNewOptions } from '../fields.ts';
import { createdSeconds, floorOf, walkCursor, walkOrders, type WalkCursor } from './walk.ts';

type Obj = Record<string, unknown>;
type Options = Values<typeof orderNewOptions>;

export async function readNewOrders(ctx: PollContext<Options>, cursor: WalkCursor, now: Date, opts: { maxPages?: number } = {}): Promise<{ items: Obj[]; cursor: WalkCursor }> {
  const client = new WildberriesClient(ctx);
  const floor = floorOf(ctx, now, ctx.options.lookbackDays);
  const walk = await walkOrders(client, cursor, { floor, now: unixSeconds(now) }, { pageSize: ctx.options.pageSize ?? 1000, maxPages: opts.maxPages });
  const fresh = await client.newOrders();
  const byId = new Map<string, Obj>();
  for (const order of walk.orders) byId.set(String(order.id), order);
  for (const order of fresh) byId.set(String(order.id), { ...byId.get(String(order.id)), ...order });
  const items: Obj[] = [];
  for (const order of byId.values()) {
    if (order.id === undefined || order.id === null) continue;
    // /orders/new has no date filter: the parsing period is applied here.
    const created = createdSeconds(order);
    if (Number.isFinite(created) && created < floor) continue;
    items.push(withMoney(order));
  }
  items.sort((a, b) => createdSeconds(a) - createdSeconds(b) || Number(a.id) - Number(b.id));
  if (!walk.complete) ctx.logger.info({ flowId: ctx.flowId, pages: walk.pages }, 'wildberries: order look-back continues on the next poll');
  return { items, cursor: walk.cursor };
}

export const orderNew = definePollTrigger({
  id: 'order.new',
  label: { ru: 'Новое сборочное задание (заказ FBS)', en: 'New assembly task (FBS order)' },
  description:
    'Опрашивает новые сборочные задания Wildberries: первый опрос просматривает период парсинга тарифа (или меньше, если задано), затем — только новое. Каждое задание — один запуск, даже после перезапуска.',
  fields: orderFields,
  extensibleFields: true,
  options: orderNewOptions,
  interval: { defaultSeconds: 600, minSeconds: 60 },
  cursor: walkCursor,
  deliverFromStart: true,
  start: (ctx, now) => ({ from: floorOf(ctx, now, ctx.options.lookbackDays) }),
  sampleStart: (now) => ({ from: unixSeconds(now) - 30 * 86_400 }),
  fetch: (ctx, cursor, now) => readNewOrders(ctx, cursor, now),
  keyOf: (order) => `new:${String(order.id)}`,
});
