// `order.update`: partial edit of the order with internal `id` (POST orders/{id}/edit, by=id).
// Fields RetailCRM computes itself are read-only there (the connector page still lists
// statusUpdatedAt as an input): they are left out of the edit rather than sent.
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { RetailcrmClient } from '../client.ts';
import { orderUpdateInput, orderUpdateOutput, structuredInput } from '../fields.ts';
import { assemble, requireValue, take } from '../mapping.ts';

/** Order fields the API sets itself (marked read-only in the API reference); `id` travels in the path. */
export const READ_ONLY_ORDER_FIELDS = ['id', 'slug', 'statusUpdatedAt', 'fullPaidAt', 'summ', 'totalSumm', 'prepaySum', 'purchaseSumm', 'fromApi'] as const;

export const orderUpdate: ActionDefinition = {
  id: 'order.update',
  label: { ru: 'Обновить заказ', en: 'Update order' },
  description: 'Изменяет заказ по внутреннему ID (POST /api/v5/orders/{id}/edit?by=id); передаются только заполненные поля, кроме вычисляемых RetailCRM (statusUpdatedAt, суммы).',
  kind: 'update',
  input: orderUpdateInput,
  extraInput: structuredInput,
  output: orderUpdateOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const order = assemble(input);
    const id = requireValue(take(order, 'id'), 'id');
    const site = client.siteOr(take(order, 'site'));
    const dropped = READ_ONLY_ORDER_FIELDS.filter((f) => f in order);
    for (const f of dropped) delete order[f];
    if (dropped.length) ctx.logger.debug({ fields: dropped }, 'retailcrm: read-only order fields left out of the edit');
    const env = await client.editOrder(id, order, 'id', site);
    return { success: true, ...((env.order as Record<string, unknown>) ?? { id: env.id }) };
  },
};
