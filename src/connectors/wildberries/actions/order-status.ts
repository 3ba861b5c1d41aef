// `order.status` (Статусы сборочных заданий): POST /api/v3/orders/status for the given ids, 1,000
// a call. Ids WB does not know are absent from its answer and listed in `missing`.
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { WildberriesClient } from '../client.ts';
import { orderStatusInput, orderStatusOutput } from '../fields.ts';

export function orderIds(raw: unknown): number[] {
  const list = Array.isArray(raw) ? raw : [raw];
  const ids = list.map((v) => (typeof v === 'string' ? Number(v.trim()) : Number(v)));
  const bad = list.filter((_, i) => !Number.isInteger(ids[i]) || ids[i] <= 0);
  if (bad.length) throw new PermanentError(`ID сборочных заданий — целые числа, получено: ${bad.slice(0, 5).map((b) => `«${String(b)}»`).join(', ')}`);
  if (ids.length === 0) throw new PermanentError('Не указаны ID сборочных заданий / No assembly task ids');
  return [...new Set(ids)];
}

export const orderStatus: ActionDefinition = {
  id: 'order.status',
  label: { ru: 'Получить статусы сборочных заданий', en: 'Get assembly task statuses' },
  description: 'Возвращает статус продавца (supplierStatus) и статус WB (wbStatus) для заданных сборочных заданий.',
  kind: 'read',
  input: orderStatusInput,
  output: orderStatusOutput,
  async run(ctx, input) {
    const ids = orderIds(input.orders);
    const rows = await new WildberriesClient(ctx).statuses(ids);
    const found = new Set(rows.map((r) => r.id));
    return {
      orders: rows,
      supplierStatus: rows[0]?.supplierStatus ?? null,
      wbStatus: rows[0]?.wbStatus ?? null,
      count: rows.length,
      missing: ids.filter((id) => !found.has(id)),
    };
  },
};
