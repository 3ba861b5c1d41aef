// `order.update`: lead-service client-order/update — how a CRM's status and revenue reach
// Calltouch (the RetailCRM → Calltouch scenario).
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { CalltouchClient, connectionTimeZone, dealOutcome } from '../client.ts';
import { orderUpdateInput, orderWriteOutput } from '../fields.ts';
import { commonOrderFields, list, nowLeadDate, text } from './order-body.ts';

type Obj = Record<string, any>;

export const orderUpdate: ActionDefinition = {
  id: 'order.update',
  label: { ru: 'Изменить сделку', en: 'Update a deal' },
  description: 'Меняет статус, выручку, маржу, менеджера, воронку, комментарий, теги, пользовательские поля и товары сделки.',
  kind: 'update',
  input: orderUpdateInput,
  output: orderWriteOutput,
  async run(ctx, input) {
    const orderNumber = text(input.orderNumber);
    if (!orderNumber) throw new PermanentError('Поле orderNumber обязательно: ID сделки в CRM');
    const tz = connectionTimeZone(ctx.auth);
    const order: Obj = { orderNumber, updateDate: nowLeadDate(tz), ...commonOrderFields(input, tz) };
    const comment = text(input.comment);
    if (comment) order.addNewComment = { text: comment };
    const tags = list(input.tags, 'tags');
    const overwrite = input.overwriteTags === true || input.overwriteTags === 'true';
    if (tags?.length || overwrite) order.addTags = { overwrite, tags: (tags ?? []).map((tag) => ({ tag })) };
    if (Object.keys(order).length <= 2) throw new PermanentError('Нечего менять: укажите статус, выручку или другие поля сделки');
    const client = new CalltouchClient(ctx);
    const res = await client.updateOrders({ orders: [order] });
    const deal = dealOutcome(res, 0, 'изменение сделки');
    return { orderNumber, calltouchOrderId: deal.calltouchOrderId ?? null };
  },
};
