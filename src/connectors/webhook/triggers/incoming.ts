import type { TriggerDefinition } from '../../types.ts';

/** Any service that can send an HTTP request: fields come from a sample webhook. */
export const incomingWebhook: TriggerDefinition = {
  id: 'incoming',
  label: { ru: 'Входящий вебхук', en: 'Incoming webhook' },
  description: 'GET, POST or PUT to the flow URL; JSON, form-urlencoded or text. Any field of the webhook can be used.',
  delivery: 'webhook',
  fields: [],
  extensibleFields: true,
  options: [{ id: 'sample', label: 'Пример вебхука', labelEn: 'Sample webhook', type: 'json', description: 'Used by the field picker before the first webhook arrives' }],
};
