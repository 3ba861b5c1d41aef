// `order.create`: lead-service client-order/create — a CRM deal bound to a call, request, chat or a
// contact (phone/email). `orderNumber` is the idempotency key: without one, the step's key is used,
// so a retried step never creates a second deal.
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { ActionDefinition } from '../../../connector-kit/types.ts';
import { CalltouchClient, connectionTimeZone, dealOutcome } from '../client.ts';
import { MATCHING_TYPES, orderCreateInput, orderWriteOutput } from '../fields.ts';
import { commonOrderFields, leadDate, list, nowLeadDate, num, text } from './order-body.ts';

type Obj = Record<string, any>;

/**
 * One `matching[]` element in Calltouch's shape: the type, and its parameters in a nested object
 * named after it — `{"type":"call","callParams":{"callId"}}`, `{"type":"request","requestParams":
 * {"requestId"}}`, `{"type":"chat","chatParams":{"chatId"}}`, and for the contact types
 * `{"type":"callContact","callContactParams":{"phones","emails","date","callTypeToMatch","searchDepth"}}`
 * (the mode field is named after the type: callTypeToMatch, requestTypeToMatch, …).
 */
export function matching(input: Obj, timeZone: string): Obj {
  const type = text(input.matchingType) ?? (input.callId ? 'call' : input.requestId ? 'request' : input.chatId ? 'chat' : 'callContact');
  if (!(MATCHING_TYPES as readonly string[]).includes(type)) throw new PermanentError(`Поле matchingType: допустимы ${MATCHING_TYPES.join(', ')}, получено «${type}»`);
  if (type === 'call') {
    const callId = num(input.callId, 'callId');
    if (callId === undefined) throw new PermanentError('Для привязки к звонку укажите callId');
    return { type, callParams: { callId } };
  }
  if (type === 'request') {
    const requestId = text(input.requestId);
    if (!requestId) throw new PermanentError('Для привязки к заявке укажите requestId');
    return { type, requestParams: { requestId } };
  }
  if (type === 'chat') {
    const chatId = text(input.chatId);
    if (!chatId) throw new PermanentError('Для привязки к чату укажите chatId');
    return { type, chatParams: { chatId } };
  }
  const phones = (list(input.phones ?? input.phone, 'phones') ?? []).map((p) => p.replace(/\D/g, '')).filter(Boolean);
  const emails = list(input.emails ?? input.email, 'emails') ?? [];
  if (!phones.length && !emails.length) throw new PermanentError(`Для привязки ${type} укажите телефон (phones) или email (emails) клиента`);
  const mode = text(input.matchingMode) ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'nearestUniq') throw new PermanentError('Поле matchingMode: допустимы nearest или nearestUniq');
  const params: Obj = {};
  if (phones.length) params.phones = phones;
  if (emails.length) params.emails = emails;
  params.date = leadDate(input.matchingDate, 'matchingDate', timeZone) ?? nowLeadDate(timeZone);
  params[`${type.slice(0, -'Contact'.length)}TypeToMatch`] = mode;
  const depth = num(input.searchDepth, 'searchDepth');
  if (depth !== undefined) params.searchDepth = depth;
  return { type, [`${type}Params`]: params };
}

export const orderCreate: ActionDefinition = {
  id: 'order.create',
  label: { ru: 'Создать сделку', en: 'Create a deal' },
  description: 'Создаёт сделку в Calltouch и привязывает её к звонку, заявке, чату или контакту клиента.',
  kind: 'create',
  input: orderCreateInput,
  output: orderWriteOutput,
  async run(ctx, input) {
    const orderNumber = text(input.orderNumber) ?? ctx.idempotencyKey;
    const tz = connectionTimeZone(ctx.auth);
    const order: Obj = {
      matching: [matching(input, tz)],
      orderNumber,
      orderDate: leadDate(input.orderDate, 'orderDate', tz) ?? nowLeadDate(tz),
      ...commonOrderFields(input, tz),
    };
    const comment = text(input.comment);
    if (comment) order.comment = { text: comment };
    const tags = list(input.tags, 'tags');
    if (tags?.length) order.addTags = tags.map((tag) => ({ tag }));
    const client = new CalltouchClient(ctx);
    const res = await client.createOrders({ crm: text(input.crm) ?? 'svyazka', orders: [order] });
    const deal = dealOutcome(res, 0, 'создание сделки');
    return { orderNumber, calltouchOrderId: deal.calltouchOrderId ?? null };
  },
};
