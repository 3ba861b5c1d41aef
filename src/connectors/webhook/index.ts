// `webhook`: the universal incoming webhook trigger.
import type { ConnectorDefinition } from '../types.ts';
import { incomingWebhook } from './triggers/incoming.ts';

export const webhookConnector: ConnectorDefinition = {
  key: 'webhook',
  label: { ru: 'Входящий вебхук', en: 'Incoming webhook' },
  auth: { fields: [] },
  triggers: [incomingWebhook],
  actions: [],
};
