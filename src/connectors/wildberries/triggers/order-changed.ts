// `order.changed` (Изменился статус сборочного задания): WB has no change feed, so the trigger keeps
// the assembly tasks of the look-back window in its cursor with the status last seen, finds new
// ones with the same walk as order.new, and asks POST /api/v3/orders/status (1,000 ids a call) for
// those not yet in a final WB status. A status pair that differs from the one kept is one event,
// keyed `${id}@${supplierStatus}/${wbStatus}`.
//
// The first poll takes the baseline: it reads every task of the window and its status and
// delivers nothing — a status a task had before the flow existed is not a change. Tasks found after
// the baseline start from `new/waiting` (every FBS task is born so), so a task confirmed between
// two polls still reports `confirm`. Tasks leave the cursor when they fall out of the window, and
// final ones once the walk cannot list them again.
import { z } from 'zod';
import type { Values } from '../../../connector-kit/fields.ts';
import { definePollTrigger, type PollContext } from '../../../connector-kit/polling.ts';
import { WildberriesClient, unixSeconds } from '../client.ts';
import { FINAL_WB_STATUSES, orderChangedFields, orderChangedOptions } from '../fields.ts';
import { OVERLAP_S, createdSeconds, floorOf, walkCursor, walkOrders } from './walk.ts';

type Options = Values<typeof orderChangedOptions>;

/** Status not read yet: the baseline takes whatever WB answers. */
const UNREAD = '?';
const BORN = 'new/waiting';

/** [status pair "supplier/wb" | "?", createdAt unix s, article, nmId, final (1) or not (0)]. */
const tracked = z.tuple([z.string(), z.number(), z.string(), z.number(), z.number()]);

const cursorSchema = z.object({
  walk: walkCursor,
  /** True once the first walk of the window has finished. */
  baseline: z.boolean(),
  known: z.record(z.string(), tracked),
});
export type OrderChangedCursor = z.infer<typeof cursorSchema>;

export interface StatusChange {
  id: number;
  supplierStatus: string;
  wbStatus: string;
  previousSupplierStatus: string;
  previousWbStatus: string;
  article: string;
  nmId: number;
  createdAt: string | null;
}

export async function readStatusChanges(ctx: PollContext<Options>, cursor: OrderChangedCursor, now: Date, opts: { maxPages?: number } = {}): Promise<{ items: StatusChange[]; cursor: OrderChangedCursor }> {
  const client = new WildberriesClient(ctx);
  const floor = floorOf(ctx, now, ctx.options.lookbackDays);
  const walk = await walkOrders(client, cursor.walk, { floor, now: unixSeconds(now) }, { pageSize: ctx.options.pageSize ?? 1000, maxPages: opts.maxPages });
  const known: OrderChangedCursor['known'] = { ...cursor.known };
  for (const order of walk.orders) {
    const id = String(order.id ?? '');
    if (!id || known[id]) continue;
    const created = createdSeconds(order);
    known[id] = [cursor.baseline ? BORN : UNREAD, Number.isFinite(created) ? created : unixSeconds(now), String(order.article ?? ''), Number(order.nmId ?? 0) || 0, 0];
  }
  // Out of the window (the plan's period may have shrunk), or final and past the walk's overlap.
  const relistFrom = Math.min(cursor.walk.from, walk.cursor.from) - OVERLAP_S;
  for (const [id, entry] of Object.entries(known)) {
    if (entry[1] < floor || (entry[4] === 1 && entry[1] < relistFrom)) delete known[id];
  }
  const open = Object.entries(known)
    .filter(([, entry]) => entry[4] === 0)
    .map(([id]) => Number(id));
  const items: StatusChange[] = [];
  for (const row of await client.statuses(open)) {
    const id = String(row.id);
    const entry = known[id];
    if (!entry) continue;
    const pair = `${row.supplierStatus}/${row.wbStatus}`;
    const [before, created, article, nmId] = entry;
    const final = FINAL_WB_STATUSES.has(row.wbStatus) ? 1 : 0;
    known[id] = [pair, created, article, nmId, final];
    if (before === UNREAD || before === pair) continue;
    const [previousSupplierStatus, previousWbStatus] = before.split('/');
    items.push({
      id: row.id,
      supplierStatus: row.supplierStatus,
      wbStatus: row.wbStatus,
      previousSupplierStatus: previousSupplierStatus ?? '',
      previousWbStatus: previousWbStatus ?? '',
      article,
      nmId,
      createdAt: Number.isFinite(created) ? new Date(created * 1000).toISOString() : null,
    });
  }
  return { items, cursor: { walk: walk.cursor, baseline: cursor.baseline || walk.complete, known } };
}

export const orderChanged = definePollTrigger({
  id: 'order.changed',
  label: { ru: 'Изменился статус сборочного задания', en: 'Assembly task status changed' },
  description:
    'Следит за статусами сборочных заданий периода (supplierStatus и wbStatus): каждое изменение — один запуск. Первый опрос запоминает текущие статусы и ничего не запускает.',
  fields: orderChangedFields,
  options: orderChangedOptions,
  interval: { defaultSeconds: 600, minSeconds: 60 },
  cursor: cursorSchema,
  // The baseline: the window's tasks with the statuses they have now; nothing is delivered.
  start: async (ctx, now) => (await readStatusChanges(ctx, { walk: { from: floorOf(ctx, now, ctx.options.lookbackDays) }, baseline: false, known: {} }, now)).cursor,
  // The editor's sample: tasks of the last 30 days whose status is no longer new/waiting.
  sampleStart: (now) => ({ walk: { from: unixSeconds(now) - 30 * 86_400 }, baseline: true, known: {} }),
  fetch: (ctx, cursor, now) => readStatusChanges(ctx, cursor, now),
  keyOf: (change) => `${change.id}@${change.supplierStatus}/${change.wbStatus}`,
  payloadOf: (change) => ({ ...change }),
});
