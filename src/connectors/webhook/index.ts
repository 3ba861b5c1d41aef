// `webhook`: the universal incoming webhook trigger. No auth: the flow's unguessable URL is the key.
import type { ConnectorDefinition } from '../../connector-kit/types.ts';
import { incomingWebhook } from './triggers/incoming.ts';

export const webhookConnector: ConnectorDefinition = {
  key: 'webhook',
  label: { ru: 'Входящий вебхук', en: 'Incoming webhook' },
  description: 'Запускает поток, когда на его адрес приходит HTTP-запрос.',
  auth: { fields: [] },
  triggers: [incomingWebhook],
  actions: [],
};
