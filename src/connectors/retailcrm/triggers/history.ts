// `order.created` / `order.changed` delivered by polling (a flow sets `trigger.options.delivery: "poll"`): the same events found by polling orders/history from
// a stored `sinceId`, as RetailCRM's own modules do — nothing is lost while Svyazka is down. One
// poll groups history records into one event per order; changes made through the API by this very
// key are skipped (loop guard); the cursor the engine stores with the new executions in one write
// makes sure nothing is delivered twice.
import type { PollResult, TriggerContext, TriggerDefinition, TriggerEvent } from '../../../connector-kit/types.ts';
import { RetailcrmClient, crmDateTime } from '../client.ts';
import { orderChangedFields, orderCreatedFields, pollTriggerOptions } from '../fields.ts';

type Obj = Record<string, any>;

export interface HistoryCursor {
  /** Last history record id seen. */
  sinceId?: number;
  /** Before the first record is seen: only records from this moment on (account time). */
  startDate?: string;
}

const MAX_PAGES_PER_POLL = 20;

function intervalMs(options: Record<string, unknown>): number {
  const s = Number(options.intervalSeconds ?? 60);
  return Math.max(10, Number.isFinite(s) ? s : 60) * 1000;
}

/** Reads new history records, groups them per order and re-fetches the orders (100 per request). */
export async function pollHistory(ctx: TriggerContext, rawCursor: unknown, kind: 'created' | 'changed'): Promise<PollResult> {
  const client = new RetailcrmClient(ctx);
  if (!rawCursor || typeof rawCursor !== 'object') {
    // First poll: start from "now" in the account's own clock (its time zone may differ from ours),
    // which every history answer carries as `generatedAt`. Nothing before the flow is replayed.
    const env = await client.ordersHistory(undefined, { limit: 20, startDate: '2999-12-31 23:59:59' });
    const now = typeof env.generatedAt === 'string' && env.generatedAt ? env.generatedAt : crmDateTime();
    return { events: [], cursor: { startDate: now } satisfies HistoryCursor };
  }
  const cursor: HistoryCursor = { ...(rawCursor as HistoryCursor) };
  const skipOwn = ctx.options?.skipOwnChanges !== false && ctx.options?.skipOwnChanges !== 'false';
  const groups = new Map<number, { created: boolean; fields: Set<string>; lastId: number }>();
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const env = await client.ordersHistory(cursor.sinceId, { limit: 100, startDate: cursor.sinceId === undefined ? cursor.startDate : undefined });
    const records = (env.history ?? []) as Obj[];
    for (const r of records) {
      cursor.sinceId = Math.max(cursor.sinceId ?? 0, Number(r.id));
      const own = r.source === 'api' && r.apiKey?.current === true;
      if (skipOwn && own) continue;
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
  const events: TriggerEvent[] = [];
  for (let i = 0; i < wanted.length; i += 100) {
    const chunk = wanted.slice(i, i + 100);
    const env = await client.listOrders({ ids: chunk.map(([id]) => id) }, { limit: 100 });
    const byId = new Map(((env.orders ?? []) as Obj[]).map((o) => [Number(o.id), o]));
    for (const [id, g] of chunk) {
      const order = byId.get(id);
      if (!order) continue; // deleted since
      events.push({ payload: { ...order, changedFields: [...g.fields] }, dedupeKey: `${id}:${g.lastId}` });
    }
  }
  return { events, cursor };
}

function historyTrigger(kind: 'created' | 'changed'): TriggerDefinition {
  return {
    id: `order.${kind}`,
    label: kind === 'created' ? { ru: 'Новый заказ (опрос истории)', en: 'Order created (history polling)' } : { ru: 'Заказ изменён (опрос истории)', en: 'Order changed (history polling)' },
    description: 'Опрашивает историю изменений заказов (GET /api/v5/orders/history) с последнего увиденного sinceId: события не теряются, пока сервис был недоступен. Настраивать триггер в RetailCRM не нужно.',
    fields: kind === 'created' ? orderCreatedFields : orderChangedFields,
    extensibleFields: true,
    delivery: 'poll',
    options: pollTriggerOptions,
    checkOptions(options) {
      const s = options.intervalSeconds;
      if (s === undefined || s === null || s === '') return null;
      const n = Number(s);
      return Number.isFinite(n) && n >= 10 ? null : 'Интервал опроса: число секунд, не меньше 10';
    },
    poll: (ctx, cursor) => pollHistory(ctx, cursor, kind),
    // A day of history (in our clock; the account's may differ by hours, which a sample tolerates).
    sampleCursor: (now) => ({ startDate: crmDateTime(new Date(now.getTime() - 24 * 3600_000)) }) satisfies HistoryCursor,
    nextRunDelayMs: (options) => intervalMs(options ?? {}),
  };
}

export const orderCreatedPoll = historyTrigger('created');
export const orderChangedPoll = historyTrigger('changed');
