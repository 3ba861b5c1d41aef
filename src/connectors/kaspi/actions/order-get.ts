// `order.get`: one order with its entries, by Kaspi id (GET /orders/{id}) or by the number the
// customer sees (GET /orders?filter[orders][code]=…). A find: no such order → onNotFound decides.
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { Values } from '../../../connector-kit/fields.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { KaspiClient } from '../client.ts';
import { orderFields, orderGetInput } from '../fields.ts';

type Input = Values<typeof orderGetInput>;

export const orderGet: ActionDefinition = {
  id: 'order.get',
  label: { ru: 'Получить заказ', en: 'Get order' },
  description: 'Заказ Kaspi с позициями по ID или номеру; если не найден — действует «Если не найдено» шага. / A Kaspi order with its entries by id or number.',
  kind: 'find',
  input: orderGetInput,
  output: orderFields,
  async run(ctx, raw) {
    const input = raw as Input;
    const id = input.id?.trim();
    const code = input.code?.trim();
    if (!id && !code) throw new PermanentError('Укажите ID заказа Kaspi или его номер / Give the Kaspi order id or number');
    const client = new KaspiClient(ctx);
    const order = id ? await client.getOrder(id) : await client.findByCode(code!);
    return client.withEntries(order);
  },
};
