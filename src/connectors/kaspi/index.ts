// `kaspi`: Kaspi.kz shop API v2 (JSON:API, `X-Auth-Token`). Kaspi pushes nothing: orders are
// polled. This definition, client.ts (the API client), fields.ts (catalogs), triggers/ (order.new,
// order.changed), actions/ (order.get), and sandbox.ts (a faithful fake for the demo and tests).
import { createHash } from 'node:crypto';
import { PermanentError, TransientError } from '../../connector-kit/errors.ts';
import type { ConnectorContext, ConnectorDefinition } from '../../connector-kit/types.ts';
import { orderGet } from './actions/order-get.ts';
import { KaspiClient } from './client.ts';
import { authFields } from './fields.ts';
import { orderChanged } from './triggers/order-changed.ts';
import { orderNew } from './triggers/order-new.ts';

const DAY_MS = 86_400_000;

/** One cheap call: the first NEW order of the last day (page[size]=1) proves the token and the URL. */
export async function testConnection(ctx: ConnectorContext): Promise<void> {
  const client = new KaspiClient(ctx, { retries: 1 });
  const now = Date.now();
  try {
    await client.listOrders({ state: 'NEW', from: now - DAY_MS, to: now, page: 0, size: 1 });
  } catch (error) {
    if (error instanceof TransientError) throw new PermanentError(`Kaspi по адресу ${client.baseUrl} недоступен: ${error.message}. Попробуйте позже / Kaspi is unavailable, try later`);
    throw error;
  }
}

export const kaspiConnector: ConnectorDefinition = {
  key: 'kaspi',
  label: { ru: 'Kaspi.kz', en: 'Kaspi.kz' },
  description: 'Маркетплейс Kaspi.kz: новые заказы и изменения их состояния (опрос), получение заказа с позициями. Цены — в тенге (₸).',
  auth: { fields: authFields, test: testConnection },
  // Kaspi documents no limit; 5 req/s per seller token is well below what public clients use.
  // The key is a hash: limiter keys may be logged, the token must not be.
  limits: { requestsPerSecond: 5, keyOf: (auth) => `kaspi:${createHash('sha256').update(String(auth.token ?? '').trim()).digest('hex').slice(0, 32)}` },
  triggers: [orderNew, orderChanged],
  actions: [orderGet],
  // Standalone (`svyazka sandbox kaspi`, the demo) a new order appears every minute, so a running flow has something to pick up.
  sandbox: async (opts) => (await import('./sandbox.ts')).startKaspiSandbox({ newOrderEveryMs: 60_000, ...opts }),
  sandboxFlags: ['seed', 'records', 'days'],
};
