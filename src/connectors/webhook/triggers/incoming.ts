// `webhook.incoming`: any service that can send an HTTP request. The catalog is empty and
// extensible: the field picker offers whatever a sample (or a real) webhook contains.
import type { TriggerContext, TriggerDefinition, TriggerEvent } from '../../../connector-kit/types.ts';

/**
 * The event is the stored body as it is (intake has already parsed JSON / form / text and merged
 * the query). Deliberately not attached as the trigger's `prepare`: the executor journals a
 * prepare as its own step, which here would only store a second copy of every webhook body.
 */
export async function prepareIncoming(_ctx: TriggerContext, body: Record<string, unknown>): Promise<TriggerEvent> {
  return { payload: body };
}

export const incomingWebhook: TriggerDefinition = {
  id: 'incoming',
  label: { ru: 'Входящий вебхук', en: 'Incoming webhook' },
  description: 'GET, POST или PUT на адрес потока; JSON, x-www-form-urlencoded или текст. Любое поле вебхука можно использовать в шагах.',
  delivery: 'webhook',
  fields: [],
  extensibleFields: true,
  options: [
    {
      id: 'sample',
      label: 'Пример вебхука',
      labelEn: 'Sample webhook',
      type: 'json',
      description: 'Пример тела запроса: по нему строится список полей, пока не пришёл первый вебхук',
    },
  ],
};
