// `order.packs`: every pack (комплектация) of the order with internal `id`, all pages.
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { RetailcrmClient } from '../client.ts';
import { orderPacksInput, orderPacksOutput } from '../fields.ts';
import { requireValue } from '../mapping.ts';

export const orderPacks: ActionDefinition = {
  id: 'order.packs',
  label: { ru: 'Получить комплектацию заказа', en: 'Get order packs' },
  description: 'Список комплектаций (orders/packs) заказа по его внутреннему ID.',
  kind: 'read',
  input: orderPacksInput,
  output: orderPacksOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const id = requireValue(input.id, 'id');
    const packs: unknown[] = [];
    for await (const pack of client.paginate('/api/v5/orders/packs', 'packs', { 'filter[orderId]': id }, { limit: 100 })) packs.push(pack);
    return { packs };
  },
};
