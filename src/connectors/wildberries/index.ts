// `wildberries`: WB's Marketplace API for FBS sellers — new assembly tasks and their status changes
// polled in, stocks pushed out. Layout like the other connectors: this definition, client.ts (the
// API client), fields.ts (catalogs), actions/, triggers/, and sandbox.ts (a faithful fake WB).
import { createHash } from 'node:crypto';
import { PermanentError, TransientError } from '../../connector-kit/errors.ts';
import type { ConnectorContext, ConnectorDefinition } from '../../connector-kit/types.ts';
import { orderStatus } from './actions/order-status.ts';
import { stocksSet } from './actions/stocks-set.ts';
import { WildberriesClient, normalizeToken } from './client.ts';
import { authFields } from './fields.ts';
import { orderChanged } from './triggers/order-changed.ts';
import { orderNew } from './triggers/order-new.ts';

/** One cheap call in the Marketplace category: the seller's warehouses. */
export async function testConnection(ctx: ConnectorContext): Promise<void> {
  let client: WildberriesClient;
  try {
    client = new WildberriesClient(ctx, { retries: 1 });
  } catch (error) {
    throw new PermanentError((error as Error).message);
  }
  try {
    await client.warehouses();
  } catch (error) {
    if (error instanceof TransientError) throw new PermanentError(`Wildberries (${client.baseUrl}) недоступен: ${(error as Error).message}. Попробуйте позже / WB is unavailable, try later`);
    throw error;
  }
}

export const wildberriesConnector: ConnectorDefinition = {
  key: 'wildberries',
  label: { ru: 'Wildberries', en: 'Wildberries' },
  description: 'Маркетплейс Wildberries (FBS): новые сборочные задания и изменения их статусов, остатки на складах продавца.',
  auth: { fields: authFields, test: testConnection },
  // WB counts 300 requests a minute per seller token (burst 20): every connection with the same
  // token shares one budget. The key is a hash: keys may be logged, the token must not.
  limits: {
    requestsPerSecond: 5,
    keyOf: (auth) => `wildberries:${createHash('sha256').update(normalizeToken(auth.token)).digest('hex').slice(0, 24)}`,
  },
  triggers: [orderNew, orderChanged],
  actions: [stocksSet, orderStatus],
  sandbox: async (opts) => (await import('./sandbox.ts')).startWildberriesSandbox(opts),
  sandboxFlags: ['seed', 'records', 'days'],
};
