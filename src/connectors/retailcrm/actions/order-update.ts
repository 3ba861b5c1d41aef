// `order.update`: partial edit of the order with internal `id` (POST orders/{id}/edit, by=id).
import type { ActionDefinition } from '../../types.ts';
import { RetailcrmClient } from '../client.ts';
import { orderUpdateInput, orderUpdateOutput } from '../fields.ts';
import { assemble, requireValue, take } from '../mapping.ts';

export const orderUpdate: ActionDefinition = {
  id: 'order.update',
  label: { ru: 'Обновить заказ', en: 'Update order' },
  description: 'Изменяет заказ по внутреннему ID (POST /api/v5/orders/{id}/edit?by=id); передаются только заполненные поля.',
  kind: 'update',
  input: orderUpdateInput,
  output: orderUpdateOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const order = assemble(input);
    const id = requireValue(take(order, 'id'), 'id');
    const site = client.siteOr(take(order, 'site'));
    const env = await client.editOrder(id, order, 'id', site);
    return { success: true, ...((env.order as Record<string, unknown>) ?? { id: env.id }) };
  },
};
