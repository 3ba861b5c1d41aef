// `retailcrm`: RetailCRM (Simla) API v5. Layout like an Activepieces piece: this definition,
// client.ts (the API client), fields.ts (catalogs from the connector page), actions/, triggers/,
// and sandbox.ts (a faithful fake RetailCRM for the demo and tests).
import { createHash } from 'node:crypto';
import { PermanentError, TransientError } from '../../connector-kit/errors.ts';
import type { ConnectorContext, ConnectorDefinition } from '../../connector-kit/types.ts';
import { customerNoteCreate } from './actions/customer-note-create.ts';
import { orderCreateFromOzon, orderCreateFromWildberries } from './actions/marketplace.ts';
import { orderCreate } from './actions/order-create.ts';
import { orderFind } from './actions/order-find.ts';
import { orderPacks } from './actions/order-packs.ts';
import { orderUpdate } from './actions/order-update.ts';
import { productFindByArticle } from './actions/product-find-by-article.ts';
import { storeGet } from './actions/store-get.ts';
import { RetailcrmClient, normalizeAccountUrl } from './client.ts';
import { authFields } from './fields.ts';
import { generateDemoData } from '../demo-data.ts';
import { orderChangedPoll, orderCreatedPoll } from './triggers/history.ts';
import { orderChangedWebhook, orderCreatedWebhook } from './triggers/webhook.ts';

/** API methods the connector's actions and triggers call, as /api/credentials names them. */
const NEEDED_METHODS: Array<[string, string]> = [
  ['/api/orders', 'поиск заказов'],
  ['/api/orders/create', 'создание заказов'],
  ['/api/orders/{externalId}', 'получение заказа'],
  ['/api/orders/{externalId}/edit', 'изменение заказов'],
  ['/api/orders/history', 'история изменений заказов'],
  ['/api/customers/notes/create', 'заметки клиентов'],
  ['/api/store/products', 'каталог товаров'],
  ['/api/reference/stores', 'справочник складов'],
  ['/api/orders/packs', 'комплектация заказов'],
];

/** The same needs as the scopes newer accounts answer with (`scopes` of /api/credentials). */
const NEEDED_SCOPES: Array<[string, string]> = [
  ['order_read', 'чтение заказов и их истории'],
  ['order_write', 'создание и изменение заказов'],
  ['customer_write', 'заметки клиентов'],
  ['store_read', 'каталог товаров и остатки'],
  ['reference_read', 'справочники (склады)'],
];

/** GET /api/credentials: proves the URL is a RetailCRM account, the key is valid and may do enough. */
export async function testConnection(ctx: ConnectorContext): Promise<void> {
  const client = new RetailcrmClient(ctx, { busyRetries: 2 });
  let env: Awaited<ReturnType<RetailcrmClient['credentials']>>;
  try {
    env = await client.credentials();
  } catch (error) {
    const status = (error as { status?: number }).status;
    const msg = (error as Error).message;
    if (status === 403) {
      throw new PermanentError(`RetailCRM отклонил API-ключ (${msg.replace(/^RetailCRM: /, '')}). Проверьте ключ: Администрирование → Интеграция → Ключи доступа к API`);
    }
    if (status === 404 || (error instanceof PermanentError && /не ответ API/.test(msg))) {
      throw new PermanentError(`Аккаунт RetailCRM по адресу ${client.baseUrl} не найден: проверьте адрес (например https://myshop.retailcrm.ru)`);
    }
    if (error instanceof TransientError) {
      throw new PermanentError(`RetailCRM по адресу ${client.baseUrl} недоступен: ${msg}. Попробуйте позже`);
    }
    throw error;
  }
  // Older accounts list the methods (`credentials`, deprecated); newer ones the key's `scopes`.
  const granted = new Set(Array.isArray(env.credentials) ? env.credentials : []);
  const missing = NEEDED_METHODS.filter(([m]) => !granted.has(m));
  if (granted.size > 0 && missing.length > 0) {
    throw new PermanentError(
      `Ключу не хватает прав на методы API: ${missing.map(([m, what]) => `${m} (${what})`).join(', ')}. Разрешите их в настройках ключа: Администрирование → Интеграция → Ключи доступа к API`,
    );
  }
  const scopes = new Set(Array.isArray(env.scopes) ? env.scopes : []);
  const missingScopes = NEEDED_SCOPES.filter(([sc]) => !scopes.has(sc));
  if (scopes.size > 0 && missingScopes.length > 0) {
    throw new PermanentError(
      `Ключу не хватает разрешений (scopes): ${missingScopes.map(([sc, what]) => `${sc} (${what})`).join(', ')}. Разрешите их в настройках ключа: Администрирование → Интеграция → Ключи доступа к API`,
    );
  }
  const sites = Array.isArray(env.sitesAvailable) ? env.sitesAvailable : [];
  if (client.site && sites.length > 0 && !sites.includes(client.site)) {
    throw new PermanentError(`Магазин «${client.site}» недоступен этому ключу; доступны: ${sites.join(', ')}`);
  }
}

export const retailcrmConnector: ConnectorDefinition = {
  key: 'retailcrm',
  label: { ru: 'RetailCRM', en: 'RetailCRM' },
  description: 'Заказы, клиенты, товары и склады RetailCRM (Simla) через API v5: события о заказах (триггер-вебхук или опрос истории) и действия.',
  auth: {
    fields: authFields,
    test: testConnection,
  },
  // RetailCRM limits per API key: connections sharing one key share one budget (the key hashed).
  limits: { requestsPerSecond: 10, keyOf: (auth) => `retailcrm:${normalizeAccountUrl(auth.url)}:${createHash('sha256').update(String(auth.apiKey ?? '').trim()).digest('hex').slice(0, 32)}` },
  triggers: [orderCreatedWebhook, orderChangedWebhook, orderCreatedPoll, orderChangedPoll],
  actions: [
    orderCreate,
    orderCreateFromOzon,
    orderCreateFromWildberries,
    orderUpdate,
    customerNoteCreate,
    orderFind,
    productFindByArticle,
    storeGet,
    orderPacks,
  ],
  // With `days`, the demo's shared data set: a Calltouch sandbox with the same seed and days has a deal per order.
  sandbox: async (opts) => (await import('./sandbox.ts')).startRetailcrmSandbox({ ...opts, dataSet: opts.days === undefined ? undefined : generateDemoData({ seed: opts.seed, days: opts.days, orders: opts.records }) }),
  sandboxFlags: ['seed', 'records', 'days', 'hook'],
};
