// `calltouch`: Calltouch API (calls-service deal journal, lead-service deals). Layout like an
// Activepieces piece: this definition, client.ts (the API client), fields.ts (catalogs from the
// seed page), actions/, triggers/, and sandbox.ts (a faithful fake Calltouch for demo and tests).
import { PermanentError, TransientError } from '../../connector-kit/errors.ts';
import type { ConnectorContext, ConnectorDefinition } from '../../connector-kit/types.ts';
import { orderCreate } from './actions/order-create.ts';
import { orderUpdate } from './actions/order-update.ts';
import { ordersExport } from './actions/orders-export.ts';
import { ordersFind } from './actions/orders-find.ts';
import { CalltouchClient, formatDmy } from './client.ts';
import { calltouchDeals, generateDemoData } from '../demo-data.ts';
import { authFields } from './fields.ts';
import { orderNew } from './triggers/order-new.ts';

/** One cheap call: the journal looked up by a deal id that does not exist (proves site id + token). */
export async function testConnection(ctx: ConnectorContext): Promise<void> {
  let client: CalltouchClient;
  try {
    client = new CalltouchClient(ctx, { busyRetries: 2 });
  } catch (error) {
    throw new PermanentError((error as Error).message);
  }
  try {
    await client.findOrder({ orderNumber: 'svyazka-connection-test' });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 401 || status === 403) throw new PermanentError('Calltouch отклонил токен API: проверьте clientApiId («Настройки → API» в ЛК Calltouch) и ID сайта');
    if (status === 404) throw new PermanentError(`Сайт ${client.siteId} не найден в Calltouch: проверьте ID сайта («Интеграции → API и Webhooks») и узел API`);
    if (error instanceof TransientError) throw new PermanentError(`Calltouch недоступен: ${(error as Error).message}. Попробуйте позже`);
    throw new PermanentError(`Не удалось проверить подключение к Calltouch: ${(error as Error).message}`);
  }
}

export const calltouchConnector: ConnectorDefinition = {
  key: 'calltouch',
  label: { ru: 'Calltouch', en: 'Calltouch' },
  description: 'Коллтрекинг и сквозная аналитика: выгрузка журнала сделок, создание и изменение сделок, новые сделки.',
  auth: { fields: authFields, test: testConnection },
  // Calltouch counts 5 req/s per account: every connection to one site id shares one budget.
  limits: { requestsPerSecond: 5, keyOf: (auth) => `calltouch:${String(auth.siteId ?? '').trim()}` },
  triggers: [orderNew],
  actions: [ordersExport, ordersFind, orderCreate, orderUpdate],
  // With `days`, the demo's shared data set (as the RetailCRM sandbox with the same seed and days), dated up to today.
  // The fake service is loaded when one starts (svyazka sandbox, the demo, tests): a server never does.
  sandbox: async (opts) => {
    const { startCalltouchSandbox } = await import('./sandbox.ts');
    if (opts.days === undefined) return startCalltouchSandbox(opts);
    const data = generateDemoData({ seed: opts.seed, days: opts.days, orders: opts.records });
    const today = Math.floor(data.now / 86_400_000) * 86_400_000;
    return startCalltouchSandbox({ ...opts, records: 0, startDate: formatDmy(today - opts.days * 86_400_000), days: opts.days + 1, deals: calltouchDeals(data) });
  },
  sandboxFlags: ['seed', 'records', 'days'],
};
