// `order.find`: the newest order matching e-mail / phone / status (GET orders with filters).
import { NotFoundError, PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { RetailcrmClient, type Query } from '../client.ts';
import { orderFindInput, orderFindOutput } from '../fields.ts';
import { isUnset } from '../mapping.ts';

export const orderFind: ActionDefinition = {
  id: 'order.find',
  label: { ru: 'Найти заказ', en: 'Find order' },
  description: 'Ищет самый новый заказ по email, телефону и/или статусу. Ничего не найдено — решает «Если не найдено» шага.',
  kind: 'find',
  input: orderFindInput,
  output: orderFindOutput,
  async run(ctx, input) {
    const client = new RetailcrmClient(ctx);
    const filter: Query = {};
    if (!isUnset(input.email)) filter.email = String(input.email).trim();
    if (!isUnset(input.phone)) filter.customer = String(input.phone).trim();
    if (!isUnset(input.status)) filter.extendedStatus = [String(input.status).trim()];
    if (Object.keys(filter).length === 0) throw new PermanentError('Укажите хотя бы одно условие поиска: email, phone или status');
    const env = await client.listOrders(filter, { limit: 20 });
    const orders = (env.orders ?? []) as Array<Record<string, unknown>>;
    if (orders.length === 0) {
      const what = Object.entries({ email: input.email, phone: input.phone, status: input.status }).filter(([, v]) => !isUnset(v)).map(([k, v]) => `${k}=${String(v)}`).join(', ');
      throw new NotFoundError(`RetailCRM: заказ не найден (${what})`);
    }
    return { ...orders[0] };
  },
};
