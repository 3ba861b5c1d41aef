// `orders.find`: the first deal of the journal for an orderNumber or a client phone.
import { NotFoundError, PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { CalltouchClient } from '../client.ts';
import { findInput, recordFields } from '../fields.ts';

export const ordersFind: ActionDefinition = {
  id: 'orders.find',
  label: { ru: 'Найти сделку', en: 'Find a deal' },
  description: 'Первая сделка журнала с указанным ID сделки или телефоном клиента.',
  kind: 'find',
  input: findInput,
  output: recordFields,
  async run(ctx, input) {
    const orderNumber = input.orderNumber === null || input.orderNumber === undefined ? '' : String(input.orderNumber).trim();
    const phoneRaw = input['phoneNumber.value'] ?? (input.phoneNumber as Record<string, unknown> | undefined)?.value ?? input.phone;
    const phone = phoneRaw === null || phoneRaw === undefined ? '' : String(phoneRaw).replace(/[^\d]/g, '');
    if (!orderNumber && !phone) throw new PermanentError('Укажите orderNumber или phoneNumber.value для поиска сделки');
    const flag = (k: string) => (input[k] === undefined || input[k] === '' || input[k] === null ? true : input[k]);
    const client = new CalltouchClient(ctx);
    const record = await client.findOrder({
      ...(orderNumber ? { orderNumber } : { 'phoneNumber.value': phone }),
      withOrdersTags: flag('withOrdersTags'),
      // Unset: both kinds (with a comment and without), as the seed's flag selects one of them.
      withComments: input.withComments,
      withAllOrderOrigins: flag('withAllOrderOrigins'),
    });
    if (!record) throw new NotFoundError(orderNumber ? `Сделка с ID ${orderNumber} не найдена в журнале Calltouch` : `Сделка с телефоном ${phone} не найдена в журнале Calltouch`);
    return record;
  },
};
