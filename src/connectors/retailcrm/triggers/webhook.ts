// `order.created` / `order.changed` delivered by a RetailCRM trigger (Автоматизация → Триггеры →
// «Отправить HTTP-запрос»). The body is whatever the admin configured, usually form-encoded
// `order[id]={{ order.id }}`; intake has already turned bracketed keys into nested objects. With
// `refetch` (on by default) `prepare` loads the full order (GET orders/{id}?by=id) so every field of
// the catalog is present; fields the webhook sent that the order lacks stay mappable.
import { createHash } from 'node:crypto';
import { PermanentError } from '../../../connector-kit/errors.ts';
import type { TriggerContext, TriggerDefinition, TriggerEvent } from '../../../connector-kit/types.ts';
import { isPlainObject } from '../../../connector-kit/values.ts';
import { RetailcrmClient } from '../client.ts';
import { orderChangedFields, orderCreatedFields, webhookTriggerOptions } from '../fields.ts';
import { isUnset } from '../mapping.ts';

type Obj = Record<string, unknown>;

/** The order id in a trigger body: `order[id]`, `id`, `orderId`, `order_id`. */
export function orderIdOf(body: Obj): string | undefined {
  const order = isPlainObject(body.order) ? body.order : undefined;
  for (const v of [order?.id, body['order[id]'], body.id, body.orderId, body.order_id]) {
    if (!isUnset(v) && (typeof v === 'string' || typeof v === 'number')) return String(v).trim();
  }
  return undefined;
}

/** The webhook body with its `order{…}` part lifted to the top (the catalog's ids are the order's). */
function lift(body: Obj): Obj {
  const { order, ...rest } = body;
  return isPlainObject(order) ? { ...rest, ...order } : { ...rest };
}

export async function prepareOrderEvent(ctx: TriggerContext, body: Obj): Promise<TriggerEvent> {
  const base = lift(body ?? {});
  const refetch = ctx.options?.refetch;
  if (refetch === false || refetch === 'false') return { payload: base };
  const id = orderIdOf(body ?? {});
  if (!id) {
    throw new PermanentError(
      'В вебхуке RetailCRM нет ID заказа: добавьте в триггер параметр order[id] со значением {{ order.id }} (или выключите «Загружать заказ целиком»)',
    );
  }
  const client = new RetailcrmClient(ctx);
  const order = await client.getOrder(id, 'id');
  // The order's state as loaded, not statusUpdatedAt: that repeats for every change but a status change.
  return { payload: { ...base, ...order }, dedupeKey: `${order.id}:${createHash('sha256').update(JSON.stringify(order)).digest('hex').slice(0, 32)}` };
}

/** What the user sets up in RetailCRM for this flow, in Russian (shown next to the webhook URL). */
export function webhookSetupInstructions(event: 'order.created' | 'order.changed', webhookUrl: string): string {
  const when = event === 'order.created' ? '«Заказ создан»' : '«Заказ изменён»';
  return [
    'В RetailCRM откройте Администрирование → Автоматизация → Триггеры и нажмите «Добавить».',
    `Событие: ${when}. Условие — по желанию (например, смена статуса).`,
    'Действие: «Отправить HTTP-запрос», метод POST.',
    `URL: ${webhookUrl}`,
    'Параметры: order[id] = {{ order.id }} (остальные поля заказ получит сам, если включено «Загружать заказ целиком»).',
    'Сохраните и включите триггер.',
  ].join('\n');
}

function webhookTrigger(id: 'order.created' | 'order.changed'): TriggerDefinition {
  const created = id === 'order.created';
  return {
    id,
    label: created ? { ru: 'Новый заказ', en: 'Order created' } : { ru: 'Заказ изменён', en: 'Order changed' },
    description:
      (created ? 'Заказ создан в RetailCRM. ' : 'Заказ изменён в RetailCRM. ') +
      'Настройка: Администрирование → Автоматизация → Триггеры → «Отправить HTTP-запрос», метод POST на адрес потока, параметр order[id] = {{ order.id }}. ' +
      'Полный заказ загружается через API (GET /api/v5/orders/{id}?by=id).',
    fields: created ? orderCreatedFields : orderChangedFields,
    extensibleFields: true,
    delivery: 'webhook',
    options: webhookTriggerOptions,
    setupInstructions: (webhookUrl) => webhookSetupInstructions(id, webhookUrl),
    prepare: prepareOrderEvent,
  };
}

export const orderCreatedWebhook = webhookTrigger('order.created');
export const orderChangedWebhook = webhookTrigger('order.changed');
