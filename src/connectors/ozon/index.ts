// `ozon`: Ozon Seller API. Layout like an Activepieces piece: this definition, client.ts (the API
// client), fields.ts (catalogs), actions/, triggers/, and sandbox.ts (a faithful fake Seller API
// for the demo and tests).
import { NotFoundError, PermanentError, TransientError } from '../../connector-kit/errors.ts';
import type { ConnectorContext, ConnectorDefinition } from '../../connector-kit/types.ts';
import { postingGet } from './actions/posting-get.ts';
import { postingShip } from './actions/posting-ship.ts';
import { stocksSet } from './actions/stocks-set.ts';
import { OzonClient } from './client.ts';
import { authFields } from './fields.ts';
import { postingChanged } from './triggers/posting-changed.ts';
import { postingNew } from './triggers/posting-new.ts';

/** One cheap call (the seller's warehouse list) proves the Client-Id and Api-Key belong together. */
export async function testConnection(ctx: ConnectorContext): Promise<void> {
  const client = new OzonClient(ctx, { busyRetries: 2 });
  try {
    await client.warehouses();
  } catch (error) {
    // The client already words a refused key (naming the header); these say where else it went wrong.
    if (error instanceof NotFoundError) throw new PermanentError(`По адресу ${client.baseUrl} не отвечает Seller API Ozon: проверьте «Адрес API» (обычно https://api-seller.ozon.ru) / no Ozon Seller API at this URL`);
    if (error instanceof TransientError) throw new PermanentError(`Ozon недоступен: ${(error as Error).message}. Попробуйте позже / Ozon is unavailable, try later`);
    throw error;
  }
}

export const ozonConnector: ConnectorDefinition = {
  key: 'ozon',
  label: { ru: 'Ozon', en: 'Ozon' },
  description: 'Ozon Seller API: новые отправления FBS и FBO, смена статусов, получение и сборка отправления, остатки на складах продавца.',
  auth: { fields: authFields, test: testConnection },
  // Ozon counts 50 req/s per Client-Id (not a secret, so it is the key as is); 20 leaves room for
  // the seller's other integrations on the same account.
  limits: { requestsPerSecond: 20, keyOf: (auth) => `ozon:${String(auth.clientId ?? '').trim()}` },
  triggers: [postingNew, postingChanged],
  actions: [postingGet, stocksSet, postingShip],
  sandbox: async (opts) => (await import('./sandbox.ts')).startOzonSandbox(opts),
  sandboxFlags: ['seed', 'records', 'days'],
};
