// A faithful fake of the RetailCRM API v5 for the demo and tests: a real HTTP server with the
// vendor's quirks — X-API-KEY check with its 403 body, 201 on creates, validation errors both as a
// map and as a list, 503 past 10 requests/s per client IP, pagination, a history record on every
// create/edit, `payments` as an id-keyed object, `customFields: []` when empty — seeded with
// realistic data from a seed number. It can also "send" configured triggers (an HTTP request with
// templated parameters) when an order is created or changed, like RetailCRM's Automation → Triggers.
import { listen } from '../../lib/listen.ts';
import { createSandboxOutage, type SandboxOutage } from '../../connector-kit/sandbox-outage.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SandboxHandle, SandboxOptions } from '../../connector-kit/types.ts';
import { crmDateTime } from './client.ts';
import { DEMO_CITIES, DEMO_DELIVERY_COST, DEMO_PRODUCTS, DEMO_STATUSES, DEMO_STREETS, type DemoDataSet } from '../demo-data.ts';
import { seededRandom } from '../../connector-kit/seeded-random.ts';

type Obj = Record<string, any>;

export interface SandboxTrigger {
  event: 'order.created' | 'order.changed';
  url: string;
  method?: 'GET' | 'POST';
  /** Parameter name → value template over the order, e.g. `{"order[id]": "{{ order.id }}"}`. */
  params: Record<string, string>;
}

export interface RetailcrmSandboxOptions extends SandboxOptions {
  apiKey?: string;
  site?: string;
  /** Requests per second per client IP before 503; 0 disables. Default 10. */
  rateLimit?: number;
  triggers?: SandboxTrigger[];
  /** The methods GET /api/credentials lists for the key (deprecated `credentials`); others answer 403 `Access denied.` */
  grants?: string[];
  /** The key's scopes (newer accounts' `scopes`); when given without `grants` the answer has no `credentials` list. */
  scopes?: string[];
  /** Seed customers and orders from the demo's shared data set instead of the seed number. */
  dataSet?: DemoDataSet;
}

export interface RetailcrmSandbox extends SandboxHandle {
  /** `POST /_sandbox/outage {"status":503,"seconds":N}`: every request refused for N s; the request log. */
  outage: SandboxOutage;
  credentials: { url: string; apiKey: string; site: string };
  apiKey: string;
  site: string;
  /** Live state, for tests and the demo. */
  state: { orders: Obj[]; customers: Obj[]; products: Obj[]; stores: Obj[]; history: Obj[]; notes: Obj[]; packs: Obj[] };
  /** Requests received per path (after the key check), e.g. `POST /api/v5/orders/create`. */
  requestCount(route?: string): number;
  /** Requests refused with 503 because the client went over the rate limit. */
  rateLimited(): number;
  /** The next `n` requests answer `status` (503 by default) before anything else is checked. */
  failNext(n: number, status?: number): void;
  /** The next `n` API requests are processed, then the connection is cut before the answer. */
  loseNextResponse(n: number): void;
  addTrigger(trigger: SandboxTrigger): void;
  /** A new order made by a CRM user (not the API), for `customerId` or a seeded customer: fires order.created. */
  userCreate(data?: Obj): Obj;
  /** Deliveries of configured triggers (awaitable in tests). */
  triggerLog: Array<{ event: string; url: string; status: number | null; error?: string }>;
  /** A change made by a CRM user (not the API): a history record with source "user". */
  userEdit(orderId: number, changes: Obj): Obj;
}

// ------------------------------------------------------------------------------------------------
// Seed data

/** Seed 0 counts as 1 (as it always has), so the default data set stays the same. */
function rng(seed: number): () => number {
  return seededRandom(seed >>> 0 || 1);
}

const FIRST = ['Иван', 'Анна', 'Сергей', 'Мария', 'Дмитрий', 'Елена', 'Алексей', 'Ольга', 'Павел', 'Татьяна'];
const LAST_M = ['Петров', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов'];
const LAST_F = ['Петрова', 'Смирнова', 'Кузнецова', 'Попова', 'Соколова'];
const CITIES = DEMO_CITIES;
const STREETS = DEMO_STREETS;
const PRODUCTS = DEMO_PRODUCTS;
const STATUSES: readonly string[] = DEMO_STATUSES;

/** Order fields RetailCRM computes itself: an edit does not change them. */
const READ_ONLY = new Set(['id', 'slug', 'statusUpdatedAt', 'fullPaidAt', 'summ', 'totalSumm', 'prepaySum', 'purchaseSumm', 'fromApi']);

// Reference books (Настройки → Справочники): codes an order may use; anything else is refused.
const ORDER_TYPES = ['eshop-individual', 'eshop-legal'];
const ORDER_METHODS = ['shopping-cart', 'phone', 'one-click', 'landing-page', 'messenger', 'marketplace'];
const DELIVERY_TYPES = ['courier', 'self-delivery', 'russian-post', 'ozon', 'wildberries'];
const PAYMENT_TYPES = ['cash', 'bank-card', 'bank-transfer', 'credit'];

/** What each API route needs: the method as /api/credentials names it, and the scope. */
function grantOf(method: string, p: string): [string, string] | undefined {
  if (p === 'orders') return ['/api/orders', 'order_read'];
  if (p === 'orders/create') return ['/api/orders/create', 'order_write'];
  if (p === 'orders/history') return ['/api/orders/history', 'order_read'];
  if (p === 'orders/packs') return ['/api/orders/packs', 'order_read'];
  if (/^orders\/[^/]+\/edit$/.test(p)) return ['/api/orders/{externalId}/edit', 'order_write'];
  if (/^orders\/[^/]+$/.test(p)) return ['/api/orders/{externalId}', 'order_read'];
  if (p === 'customers') return ['/api/customers', 'customer_read'];
  if (p === 'customers/create') return ['/api/customers/create', 'customer_write'];
  if (p === 'customers/notes/create') return ['/api/customers/notes/create', 'customer_write'];
  if (/^customers\/[^/]+$/.test(p)) return ['/api/customers/{externalId}', 'customer_read'];
  if (p === 'store/products') return ['/api/store/products', 'store_read'];
  if (p === 'store/inventories') return ['/api/store/inventories', 'store_read'];
  if (p.startsWith('reference/')) return [`/api/${p}`, method === 'GET' ? 'reference_read' : 'reference_write'];
  return undefined;
}

// ------------------------------------------------------------------------------------------------

class HttpError extends Error {
  readonly status: number;
  readonly body: Obj;
  constructor(status: number, body: Obj) {
    super(String(body.errorMsg));
    this.status = status;
    this.body = body;
  }
}
const fail = (status: number, errorMsg: string, errors?: Obj | string[]) => new HttpError(status, { success: false, errorMsg, ...(errors ? { errors } : {}) });

/** `filter[ids][]=1`, `filter[ids][0]=1` and `filter[ids]=1` all give ['1']. */
function arrayParam(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of params) {
    if (k === name || k === `${name}[]` || (k.startsWith(`${name}[`) && /^\[\d+\]$/.test(k.slice(name.length)))) out.push(v);
  }
  return out;
}

function parseEntity(form: Record<string, string>, name: string): Obj {
  const raw = form[name];
  if (raw === undefined || raw === '') throw fail(400, `Parameter '${name}' is missing`);
  try {
    const value = JSON.parse(raw);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch {
    throw fail(400, 'Errors in the entity format', { [name]: 'This value is not valid JSON.' });
  }
}

function paginate(items: Obj[], params: URLSearchParams, allowed = [20, 50, 100], def = 20): { page: Obj[]; pagination: Obj } {
  const limitRaw = params.get('limit');
  let limit = limitRaw ? Number(limitRaw) : def;
  if (!allowed.includes(limit)) {
    if (limitRaw) throw fail(400, 'Errors in the input parameters', { limit: `The value you selected is not a valid choice. Choose one of ${allowed.join(', ')}.` });
    limit = def;
  }
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const totalCount = items.length;
  return {
    page: items.slice((page - 1) * limit, page * limit),
    pagination: { limit, totalCount, currentPage: page, totalPageCount: Math.max(1, Math.ceil(totalCount / limit)) },
  };
}

function deepMerge(target: Obj, patch: Obj): Obj {
  for (const [k, v] of Object.entries(patch)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object' && !Array.isArray(target[k])) deepMerge(target[k], v);
    else target[k] = v;
  }
  return target;
}

function lookup(obj: unknown, path: string): unknown {
  let node: any = obj;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  return node;
}

const clone = <T>(v: T): T => structuredClone(v);

export async function startRetailcrmSandbox(opts: RetailcrmSandboxOptions = {}): Promise<RetailcrmSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const apiKey = opts.apiKey ?? 'sandbox-retailcrm-key';
  const site = opts.site ?? 'demo-shop';
  const rateLimit = opts.rateLimit ?? 10;
  const random = rng(opts.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const records = opts.records ?? 20;

  const seq = { order: 1000, customer: 500, history: 0, note: 0, payment: 0, item: 5000, pack: 0 };
  const orders: Obj[] = [];
  const customers: Obj[] = [];
  const products: Obj[] = [];
  const history: Obj[] = [];
  const notes: Obj[] = [];
  const packs: Obj[] = [];
  const triggers: SandboxTrigger[] = [];
  const triggerLog: RetailcrmSandbox['triggerLog'] = [];
  const counts = new Map<string, number>();
  const failures: number[] = [];
  let lose = 0;
  let limited = 0;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const inflight = new Set<Promise<unknown>>();

  const stores: Obj[] = [
    { code: 'main', name: 'Основной склад', externalId: 'wh-main', xmlId: '1c-0001', description: 'Склад интернет-магазина', email: 'sklad@demo-shop.ru', type: 'store-type-warehouse', inventoryType: 'integer', address: { countryIso: 'RU', city: 'Москва', text: 'Москва, ул. Складская, д. 1' }, active: true, phone: { number: '+7 495 000-00-01' }, workTime: { monday: [{ start: '09:00', end: '18:00' }], tuesday: [{ start: '09:00', end: '18:00' }], wednesday: [{ start: '09:00', end: '18:00' }], thursday: [{ start: '09:00', end: '18:00' }], friday: [{ start: '09:00', end: '18:00' }] } },
    { code: 'spb', name: 'Склад Санкт-Петербург', externalId: 'wh-spb', xmlId: '1c-0002', description: 'Региональный склад', email: 'spb@demo-shop.ru', type: 'store-type-warehouse', inventoryType: 'integer', address: { countryIso: 'RU', city: 'Санкт-Петербург', text: 'Санкт-Петербург, Промышленная ул., д. 5' }, active: true, phone: { number: '+7 812 000-00-02' }, workTime: { monday: [{ start: '10:00', end: '19:00' }], tuesday: [{ start: '10:00', end: '19:00' }], wednesday: [{ start: '10:00', end: '19:00' }], thursday: [{ start: '10:00', end: '19:00' }], friday: [{ start: '10:00', end: '19:00' }], saturday: [{ start: '10:00', end: '19:00' }] } },
    { code: 'ozon-fbo', name: 'Склад Ozon FBO', description: 'Остатки на складе маркетплейса', type: 'store-type-online', inventoryType: 'integer', address: { countryIso: 'RU', text: '' }, active: true, workTime: {} },
  ];

  PRODUCTS.forEach(([name, article, price], i) => {
    const id = 100 + i;
    products.push({
      id,
      article,
      name,
      externalId: `p-${article}`,
      active: true,
      quantity: 5 + Math.floor(random() * 50),
      minPrice: price,
      maxPrice: price,
      offers: [{ id: 2000 + i, externalId: `o-${article}`, xmlId: `xml-${article}`, article, name, price, purchasePrice: Math.round(price * 0.55), quantity: 5 + Math.floor(random() * 50) }],
    });
  });
  const allOffers = () => products.flatMap((p) => p.offers.map((o: Obj) => ({ product: p, offer: o })));

  function newCustomer(data: Obj, at = new Date()): Obj {
    const id = ++seq.customer;
    const customer: Obj = {
      type: 'customer', id, externalId: data.externalId, isContact: false, createdAt: crmDateTime(at), managerId: data.managerId ?? 11, vip: false, bad: false,
      site: data.site ?? site, contragent: { contragentType: 'individual' }, tags: [], marginSumm: 0, totalSumm: 0, averageSumm: 0, ordersCount: 0, costSumm: 0,
      customFields: data.customFields && Object.keys(data.customFields).length ? data.customFields : [], personalDiscount: 0, address: data.address ?? {}, segments: [],
      firstName: data.firstName ?? '', lastName: data.lastName ?? '', patronymic: data.patronymic ?? '', presumableSex: data.presumableSex ?? 'male',
      email: data.email ?? '', phones: Array.isArray(data.phones) ? data.phones : data.phone ? [{ number: data.phone }] : [],
    };
    if (customer.externalId === undefined) delete customer.externalId;
    customers.push(customer);
    return customer;
  }

  const byPhone = new Map<string, Obj>();
  for (const c of opts.dataSet?.customers ?? []) {
    byPhone.set(c.phone, newCustomer({ firstName: c.firstName, lastName: c.lastName, presumableSex: c.presumableSex, email: c.email, phone: c.phone, externalId: c.externalId }, new Date(c.createdAt)));
  }
  for (let i = 0; !opts.dataSet && i < Math.max(3, Math.ceil(records / 2)); i++) {
    const female = random() < 0.5;
    const first = female ? pick(FIRST.filter((_, k) => k % 2 === 1)) : pick(FIRST.filter((_, k) => k % 2 === 0));
    newCustomer({ firstName: first, lastName: female ? pick(LAST_F) : pick(LAST_M), presumableSex: female ? 'female' : 'male', email: `client${i + 1}@example.ru`, phone: `+7916${String(1000000 + Math.floor(random() * 8999999))}`, externalId: `c-${i + 1}` }, new Date(Date.now() - 86_400_000 * 30));
  }

  const customerRef = (c: Obj) => clone(c);
  const apiChange = { source: 'api', apiKeyValue: apiKey };

  function buildItems(raw: unknown, errors: string[]): Obj[] {
    if (raw === undefined) return [];
    const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw ? Object.values(raw) : [];
    return list.map((it: Obj, i: number) => {
      const o = it?.offer ?? {};
      let found: { product: Obj; offer: Obj } | undefined;
      if (o.id !== undefined) found = allOffers().find((x) => String(x.offer.id) === String(o.id));
      else if (o.externalId !== undefined) found = allOffers().find((x) => x.offer.externalId === String(o.externalId));
      else if (o.xmlId !== undefined) found = allOffers().find((x) => x.offer.xmlId === String(o.xmlId));
      const hasOffer = o.id !== undefined || o.externalId !== undefined || o.xmlId !== undefined;
      if (hasOffer && !found) {
        const key = o.id !== undefined ? `id ${o.id}` : o.externalId !== undefined ? `externalId ${o.externalId}` : `xmlId ${o.xmlId}`;
        errors.push(`items[${i}].offer: Offer with ${key} not found.`);
      }
      const quantity = Number(it?.quantity ?? 1);
      if (!Number.isFinite(quantity) || quantity <= 0) errors.push(`items[${i}].quantity: This value should be greater than 0.`);
      const initialPrice = Number(it?.initialPrice ?? found?.offer.price ?? 0);
      return {
        id: ++seq.item,
        initialPrice,
        discountTotal: 0,
        vatRate: it?.vatRate ?? 'none',
        createdAt: crmDateTime(),
        quantity,
        status: it?.status ?? 'new',
        comment: it?.comment,
        purchasePrice: Number(it?.purchasePrice ?? found?.offer.purchasePrice ?? 0),
        priceType: it?.priceType ?? { code: 'base' },
        markingCodes: it?.markingCodes ?? [],
        externalIds: it?.externalIds ?? [],
        offer: found ? { id: found.offer.id, externalId: found.offer.externalId, xmlId: found.offer.xmlId, name: found.offer.name, article: found.offer.article } : { name: it?.productName ?? 'Товар' },
        productName: it?.productName ?? found?.offer.name ?? 'Товар',
      };
    });
  }

  function totals(order: Obj): void {
    const summ = order.items.reduce((s: number, it: Obj) => s + it.initialPrice * it.quantity, 0);
    order.summ = summ;
    const discount = Number(order.discountManualAmount ?? 0) + (summ * Number(order.discountManualPercent ?? 0)) / 100;
    order.totalSumm = Math.max(0, summ - discount) + Number(order.delivery?.cost ?? 0);
    order.purchaseSumm = order.items.reduce((s: number, it: Obj) => s + it.purchasePrice * it.quantity, 0);
    order.prepaySum = Object.values(order.payments as Obj).reduce((s: number, p: Obj) => s + (p.status === 'paid' ? Number(p.amount ?? 0) : 0), 0);
  }

  function paymentsObject(raw: unknown): Obj {
    const out: Obj = {};
    const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
    for (const p of list as Obj[]) {
      const id = ++seq.payment;
      out[id] = { id, status: p.status ?? 'not-paid', type: p.type ?? 'cash', externalId: p.externalId, amount: Number(p.amount ?? 0), paidAt: p.paidAt, comment: p.comment };
    }
    return out;
  }

  function writeHistory(order: Obj, field: string, oldValue: unknown, newValue: unknown, change: { source: string; apiKeyValue?: string }, created = false, at = new Date()): void {
    history.push({
      id: ++seq.history,
      createdAt: crmDateTime(at),
      ...(created ? { created: true } : {}),
      source: change.source,
      field,
      oldValue,
      newValue,
      ...(change.source === 'user' ? { user: { id: 11 } } : {}),
      apiKeyValue: change.apiKeyValue,
      order: created ? clone(order) : { id: order.id, externalId: order.externalId, site: order.site, status: order.status },
    });
  }

  function validateOrder(data: Obj): Obj {
    const errors: Obj = {};
    if (data.email !== undefined && data.email !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(data.email))) errors.email = 'This value is not a valid email address.';
    if (data.status !== undefined && !STATUSES.includes(String(data.status))) errors.status = `Status "${data.status}" does not exist.`;
    if (data.orderType !== undefined && !ORDER_TYPES.includes(String(data.orderType))) errors.orderType = `Order type "${data.orderType}" does not exist.`;
    if (data.orderMethod !== undefined && !ORDER_METHODS.includes(String(data.orderMethod))) errors.orderMethod = `Order method "${data.orderMethod}" does not exist.`;
    const deliveryCode = data.delivery && typeof data.delivery === 'object' ? data.delivery.code : undefined;
    if (deliveryCode !== undefined && !DELIVERY_TYPES.includes(String(deliveryCode))) errors['delivery[code]'] = `Delivery type "${deliveryCode}" does not exist.`;
    const payments = Array.isArray(data.payments) ? data.payments : data.payments && typeof data.payments === 'object' ? Object.values(data.payments) : [];
    payments.forEach((pay: Obj, i: number) => {
      if (pay?.type !== undefined && !PAYMENT_TYPES.includes(String(pay.type))) errors[`payments[${i}][type]`] = `Payment type "${pay.type}" does not exist.`;
    });
    if (data.site !== undefined && data.site !== site) errors.site = `Site with code "${data.site}" not found.`;
    if (data.shipmentStore !== undefined && !stores.some((s) => s.code === data.shipmentStore)) errors.shipmentStore = `Store with code "${data.shipmentStore}" not found.`;
    if (data.managerId !== undefined && ![11, 12].includes(Number(data.managerId))) errors.managerId = `Manager with id ${data.managerId} not found.`;
    return errors;
  }

  function createOrder(data: Obj, change: { source: string; apiKeyValue?: string }, at = new Date()): Obj {
    const fieldErrors = validateOrder(data);
    if (Object.keys(fieldErrors).length) throw fail(400, 'Order is not loaded', fieldErrors);
    if (data.externalId !== undefined && orders.some((o) => o.externalId === String(data.externalId))) {
      throw fail(400, 'Order already exists.', { externalId: `Order with externalId "${data.externalId}" already exists.` });
    }
    const itemErrors: string[] = [];
    const items = buildItems(data.items, itemErrors);
    if (itemErrors.length) throw fail(400, 'Order is not loaded', itemErrors);
    let customer: Obj | undefined;
    const ref = data.customer;
    if (ref?.id !== undefined) {
      customer = customers.find((c) => String(c.id) === String(ref.id));
      if (!customer) throw fail(400, 'Order is not loaded', { customer: `Customer with id ${ref.id} not found.` });
    } else if (ref?.externalId !== undefined) {
      customer = customers.find((c) => c.externalId === String(ref.externalId));
      if (!customer) throw fail(400, 'Order is not loaded', { customer: `Customer with externalId "${ref.externalId}" not found.` });
    } else {
      customer = customers.find((c) => (data.email && c.email === data.email) || (data.phone && c.phones.some((p: Obj) => p.number === data.phone)));
      customer ??= newCustomer({ firstName: data.firstName, lastName: data.lastName, patronymic: data.patronymic, email: data.email, phone: data.phone }, at);
    }
    const id = ++seq.order;
    const { customer: _c, contact: _ct, items: _i, payments, customFields, delivery, ...rest } = data;
    const order: Obj = {
      slug: id, bonusesCreditTotal: 0, bonusesChargeTotal: 0, id, number: data.number === undefined ? `${id}A` : String(data.number), orderType: 'eshop-individual', orderMethod: 'shopping-cart', privilegeType: 'none',
      countryIso: 'RU', currency: 'RUB', createdAt: crmDateTime(at), statusUpdatedAt: crmDateTime(at), summ: 0, totalSumm: 0, prepaySum: 0, purchaseSumm: 0,
      firstName: customer.firstName, lastName: customer.lastName, patronymic: customer.patronymic, phone: customer.phones[0]?.number ?? '', email: customer.email,
      call: false, expired: false, managerId: 11, contragent: { contragentType: 'individual' }, site, status: 'new', fromApi: change.source === 'api',
      shipmentStore: 'main', shipped: false, weight: 0, length: 0, width: 0, height: 0,
      ...rest,
      externalId: data.externalId === undefined ? undefined : String(data.externalId),
      customer: customerRef(customer),
      contact: customerRef(customer),
      delivery: deepMerge({ code: 'courier', cost: 0, netCost: 0, address: { countryIso: 'RU' }, data: {} }, delivery ?? {}),
      items,
      payments: paymentsObject(payments),
      customFields: customFields && typeof customFields === 'object' && Object.keys(customFields).length ? customFields : [],
    };
    if (order.externalId === undefined) delete order.externalId;
    totals(order);
    orders.push(order);
    customer.ordersCount += 1;
    customer.totalSumm += order.totalSumm;
    customer.averageSumm = Math.round(customer.totalSumm / customer.ordersCount);
    writeHistory(order, 'status', null, { code: order.status }, change, true, at);
    fire('order.created', order);
    return order;
  }

  function editOrder(order: Obj, patch: Obj, change: { source: string; apiKeyValue?: string }, at = new Date()): Obj {
    const fieldErrors = validateOrder(patch);
    if (Object.keys(fieldErrors).length) throw fail(400, 'Order is not loaded', fieldErrors);
    const itemErrors: string[] = [];
    const items = patch.items !== undefined ? buildItems(patch.items, itemErrors) : undefined;
    if (itemErrors.length) throw fail(400, 'Order is not loaded', itemErrors);
    const before = clone(order);
    for (const [k, v] of Object.entries(patch)) {
      if (READ_ONLY.has(k) || k === 'number' || k === 'createdAt') continue;
      if (k === 'items') order.items = items;
      else if (k === 'payments') order.payments = { ...order.payments, ...paymentsObject(v) };
      else if (k === 'customFields') {
        const merged = { ...(Array.isArray(order.customFields) ? {} : order.customFields), ...(v as Obj) };
        order.customFields = Object.keys(merged).length ? merged : [];
      } else if (k === 'customer' || k === 'contact') {
        const c = customers.find((x) => String(x.id) === String((v as Obj)?.id) || (x.externalId !== undefined && x.externalId === (v as Obj)?.externalId));
        if (!c) throw fail(400, 'Order is not loaded', { [k]: 'Customer not found.' });
        order[k] = customerRef(c);
      } else if (v && typeof v === 'object' && !Array.isArray(v) && order[k] && typeof order[k] === 'object') deepMerge(order[k], v as Obj);
      else order[k] = v;
    }
    if (patch.status !== undefined && patch.status !== before.status) order.statusUpdatedAt = crmDateTime(at);
    totals(order);
    let changed = false;
    for (const k of Object.keys(patch)) {
      const oldV = before[k];
      const newV = order[k];
      if (JSON.stringify(oldV) === JSON.stringify(newV)) continue;
      changed = true;
      const field = k === 'status' ? 'status' : k;
      const wrap = (x: unknown) => (k === 'status' || k === 'orderMethod' || k === 'orderType' ? (x === undefined || x === null ? null : { code: x }) : x);
      writeHistory(order, field, wrap(oldV), wrap(newV), change, false, at);
    }
    if (changed) fire('order.changed', order);
    return order;
  }

  function fire(event: SandboxTrigger['event'], order: Obj): void {
    for (const t of triggers) {
      if (t.event !== event) continue;
      const params = new URLSearchParams();
      for (const [name, template] of Object.entries(t.params)) {
        params.append(name, template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
          const v = lookup({ order }, path);
          return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        }));
      }
      const method = t.method ?? 'POST';
      const url = method === 'GET' ? `${t.url}${t.url.includes('?') ? '&' : '?'}${params}` : t.url;
      const entry: RetailcrmSandbox['triggerLog'][number] = { event, url: t.url, status: null };
      triggerLog.push(entry);
      const p = fetch(url, method === 'GET' ? { method } : { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() })
        .then(async (res) => {
          entry.status = res.status;
          await res.arrayBuffer();
        })
        .catch((e: Error) => {
          entry.error = e.message;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
  }

  function seedPacks(order: Obj, at: Date): void {
    for (const item of order.items) {
      packs.push({ id: ++seq.pack, purchasePrice: item.purchasePrice, quantity: item.quantity, store: 'main', item: { id: item.id, order: { id: order.id }, offer: { externalId: item.offer.externalId, xmlId: item.offer.xmlId } }, shipmentDate: crmDateTime(at).slice(0, 10), invoiceNumber: `INV-${order.id}`, deliveryNoteNumber: `TN-${order.id}` });
    }
  }

  // The shared demo data set: its orders with their numbers, customers' phones and dates.
  for (const d of opts.dataSet?.orders ?? []) {
    const at = new Date(d.createdAt);
    const c = byPhone.get(d.customer.phone)!;
    const order = createOrder(
      { customer: { id: c.id }, number: d.number, externalId: d.externalId, items: d.items.map((it) => ({ offer: { externalId: `o-${it.article}` }, quantity: it.quantity, initialPrice: it.price })), delivery: { code: 'courier', cost: DEMO_DELIVERY_COST, address: { ...d.address, text: `${d.address.city}, ${d.address.street}, д. ${d.address.building}` } } },
      { source: 'user' },
      at,
    );
    if (d.status !== 'new') editOrder(order, { status: d.status }, { source: 'user' }, new Date(d.statusAt));
    if (d.status === 'assembling' || d.status === 'delivering' || d.status === 'complete') seedPacks(order, at);
  }

  // Seed orders (with history and a few packs), oldest first: one a day by default, else spread over `days`.
  const spanDays = opts.days ?? records;
  const seededAt = Date.now();
  for (let i = 0; !opts.dataSet && i < records; i++) {
    const at = new Date(seededAt - Math.round((86_400_000 * spanDays * (records - i)) / Math.max(1, records)));
    const c = pick(customers);
    const n = 1 + Math.floor(random() * 3);
    const items = Array.from({ length: n }, () => ({ offer: { id: pick(allOffers()).offer.id }, quantity: 1 + Math.floor(random() * 2) }));
    const order = createOrder(
      { customer: { id: c.id }, items, externalId: `seed-${i + 1}`, delivery: { code: 'courier', cost: 300, address: { city: pick(CITIES), street: pick(STREETS), building: String(1 + Math.floor(random() * 90)), text: '' } } },
      { source: 'user' },
      at,
    );
    order.delivery.address.text = `${order.delivery.address.city}, ${order.delivery.address.street}, д. ${order.delivery.address.building}`;
    const status = pick(STATUSES);
    if (status !== 'new') editOrder(order, { status }, { source: 'user' }, new Date(at.getTime() + 3_600_000));
    if (status === 'assembling' || status === 'delivering' || status === 'complete') seedPacks(order, at);
  }
  // Configured triggers start after the seed data exists: seeding sends nothing.
  triggers.push(...(opts.triggers ?? []));
  // `svyazka sandbox retailcrm --hook URL`: RetailCRM's trigger on every order created or changed.
  if (opts.hook) {
    for (const event of ['order.created', 'order.changed'] as const) triggers.push({ event, url: opts.hook, method: 'POST', params: { 'order[id]': '{{ order.id }}' } });
  }

  // ----------------------------------------------------------------------------------------------
  // HTTP

  const send = (res: ServerResponse, status: number, payload: unknown) => {
    if (res.headersSent) return;
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  };

  async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return {};
    // Like the API (PHP reads $_POST): only an urlencoded form has fields; a JSON body has none,
    // so the method answers that its entity parameter is missing.
    if (!/^application\/x-www-form-urlencoded\b/i.test(String(req.headers['content-type'] ?? ''))) return {};
    return Object.fromEntries(new URLSearchParams(text));
  }

  /**
   * 10 requests/s per client IP the way nginx `limit_req rate=10r/s burst=10 nodelay` in front of
   * the API counts them: a token bucket refilled at the rate, holding the burst plus the one request
   * the rate itself allows (capacity rate + 1). A client that keeps to 10 starts in any second is
   * served even when its requests arrive with some network jitter; one that keeps going faster gets
   * 503. Refused requests take no token.
   */
  function overLimit(ip: string): boolean {
    if (!rateLimit) return false;
    const now = performance.now();
    const capacity = rateLimit + 1;
    const b = buckets.get(ip) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * rateLimit);
    b.at = now;
    buckets.set(ip, b);
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  }

  function findOrder(idOrExt: string, by: string | null): Obj {
    const key = by ?? 'externalId';
    if (key !== 'id' && key !== 'externalId') throw fail(400, 'Value "by" must be "id" or "externalId"');
    const order = key === 'id' ? orders.find((o) => String(o.id) === idOrExt) : orders.find((o) => o.externalId === idOrExt);
    if (!order) throw fail(404, 'Not found');
    return order;
  }

  const views = {
    order: (o: Obj) => clone(o),
  };

  async function route(req: IncomingMessage, url: URL): Promise<[number, unknown]> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    const form = method === 'POST' ? await readForm(req) : {};
    const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
    bump(`${method} ${path}`);

    if (method === 'POST' && path === '/_sandbox/triggers') {
      const t = JSON.parse(form.trigger ?? '{}') as SandboxTrigger;
      if (!t.url || !t.event) throw fail(400, 'trigger.url and trigger.event are required');
      triggers.push({ method: 'POST', ...t, params: t.params ?? { 'order[id]': '{{ order.id }}' } });
      return [200, { success: true }];
    }
    if (method === 'GET' && path === '/api/credentials') {
      const listed = opts.grants ?? (opts.scopes ? undefined : CREDENTIALS);
      return [200, { success: true, ...(listed ? { credentials: listed } : {}), scopes: opts.scopes ?? SCOPES, siteAccess: 'access_selective', sitesAvailable: [site] }];
    }
    if (method === 'GET' && path === '/api/api-versions') return [200, { success: true, versions: ['3.0', '4.0', '5.0'] }];

    const m = /^\/api\/v5\/(.+)$/.exec(path);
    if (!m) throw fail(404, 'API method not found');
    const p = m[1];
    let mm: RegExpExecArray | null;
    const grant = grantOf(method, p);
    if (grant && ((opts.grants && !opts.grants.includes(grant[0])) || (opts.scopes && !opts.scopes.includes(grant[1])))) throw fail(403, 'Access denied.');

    if (method === 'POST' && p === 'orders/create') {
      const data = parseEntity(form, 'order');
      if (form.site && form.site !== site) throw fail(400, 'Order is not loaded', { site: `Site with code "${form.site}" not found.` });
      const order = createOrder(data, apiChange);
      return [201, { success: true, id: order.id, order: views.order(order) }];
    }
    if (method === 'GET' && p === 'orders/history') {
      const sinceId = Number(q.get('filter[sinceId]') ?? 0);
      const start = q.get('filter[startDate]');
      const list = history
        .filter((h) => h.id > sinceId && (!start || h.createdAt >= start))
        .map(({ apiKeyValue, ...h }) => ({ ...clone(h), ...(h.source === 'api' ? { apiKey: { current: apiKeyValue === keyOf(req, q) } } : {}) }));
      const { page, pagination } = paginate(list, q, [20, 50, 100], 20);
      return [200, { success: true, generatedAt: crmDateTime(), history: page, pagination }];
    }
    if (method === 'GET' && p === 'orders/packs') {
      const orderIds = arrayParam(q, 'filter[orderId]');
      const orderExt = arrayParam(q, 'filter[orderExternalId]');
      const list = packs.filter((pk) => {
        if (orderIds.length && !orderIds.includes(String(pk.item.order.id))) return false;
        if (orderExt.length && !orderExt.includes(String(orders.find((o) => o.id === pk.item.order.id)?.externalId))) return false;
        return true;
      });
      const { page, pagination } = paginate(list, q);
      return [200, { success: true, pagination, packs: clone(page) }];
    }
    if (method === 'GET' && p === 'orders') {
      const ids = arrayParam(q, 'filter[ids]');
      const ext = arrayParam(q, 'filter[externalIds]');
      const numbers = arrayParam(q, 'filter[numbers]');
      const statuses = arrayParam(q, 'filter[extendedStatus]');
      const sites = arrayParam(q, 'filter[sites]');
      const email = q.get('filter[email]');
      const search = q.get('filter[customer]')?.toLowerCase();
      const digits = (s: string) => s.replace(/\D/g, '').replace(/^8/, '7');
      const list = orders
        .filter((o) => {
          if (ids.length && !ids.includes(String(o.id))) return false;
          if (ext.length && !ext.includes(String(o.externalId))) return false;
          if (numbers.length && !numbers.includes(o.number)) return false;
          if (statuses.length && !statuses.includes(o.status)) return false;
          if (sites.length && !sites.includes(o.site)) return false;
          if (email && String(o.email).toLowerCase() !== email.toLowerCase()) return false;
          if (search) {
            const hay = `${o.firstName} ${o.lastName} ${o.email}`.toLowerCase();
            const phoneHit = digits(search).length >= 5 && [o.phone, ...(o.customer?.phones ?? []).map((x: Obj) => x.number)].some((ph) => ph && digits(String(ph)).endsWith(digits(search).slice(-10)));
            if (!hay.includes(search) && !phoneHit) return false;
          }
          return true;
        })
        .sort((a, b) => b.id - a.id);
      const { page, pagination } = paginate(list, q);
      return [200, { success: true, pagination, orders: page.map(views.order) }];
    }
    if (method === 'POST' && (mm = /^orders\/([^/]+)\/edit$/.exec(p))) {
      const data = parseEntity(form, 'order');
      const order = findOrder(decodeURIComponent(mm[1]), form.by ?? null);
      editOrder(order, data, apiChange);
      return [200, { success: true, id: order.id, order: views.order(order) }];
    }
    if (method === 'GET' && (mm = /^orders\/([^/]+)$/.exec(p))) {
      const order = findOrder(decodeURIComponent(mm[1]), q.get('by'));
      return [200, { success: true, order: views.order(order) }];
    }
    if (method === 'POST' && p === 'customers/create') {
      const data = parseEntity(form, 'customer');
      if (data.email !== undefined && data.email !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(data.email))) {
        throw fail(400, 'Customer is not loaded', { email: 'This value is not a valid email address.' });
      }
      if (data.externalId !== undefined && customers.some((c) => c.externalId === String(data.externalId))) {
        throw fail(400, 'Customer already exists.', { externalId: `Customer with externalId "${data.externalId}" already exists.` });
      }
      const c = newCustomer({ ...data, externalId: data.externalId === undefined ? undefined : String(data.externalId) });
      return [201, { success: true, id: c.id }];
    }
    if (method === 'POST' && p === 'customers/notes/create') {
      const note = parseEntity(form, 'note');
      const ref = note.customer ?? {};
      const customer = ref.id !== undefined ? customers.find((c) => String(c.id) === String(ref.id)) : ref.externalId !== undefined ? customers.find((c) => c.externalId === String(ref.externalId)) : undefined;
      const errors: Obj = {};
      if (!customer) errors.customer = ref.id === undefined && ref.externalId === undefined ? 'This value should not be blank.' : 'Customer not found.';
      if (typeof note.text !== 'string' || !note.text.trim()) errors.text = 'This value should not be blank.';
      if (Object.keys(errors).length) throw fail(400, 'Note is not loaded', errors);
      const id = ++seq.note;
      notes.push({ id, text: note.text, managerId: note.managerId === undefined ? null : Number(note.managerId), customer: { id: customer!.id, externalId: customer!.externalId, site: customer!.site }, createdAt: crmDateTime() });
      return [201, { success: true, id }];
    }
    if (method === 'GET' && p === 'customers') {
      const { page, pagination } = paginate(customers, q);
      return [200, { success: true, pagination, customers: clone(page) }];
    }
    if (method === 'GET' && (mm = /^customers\/([^/]+)$/.exec(p))) {
      const idOrExt = decodeURIComponent(mm[1]);
      const by = q.get('by') ?? 'externalId';
      const c = by === 'id' ? customers.find((x) => String(x.id) === idOrExt) : customers.find((x) => x.externalId === idOrExt);
      if (!c) throw fail(404, 'Not found');
      return [200, { success: true, customer: clone(c) }];
    }
    if (method === 'GET' && p === 'store/products') {
      const ids = arrayParam(q, 'filter[ids]');
      const name = q.get('filter[name]')?.toLowerCase();
      const ext = q.get('filter[externalId]');
      const offerExt = q.get('filter[offerExternalId]');
      const offerIds = arrayParam(q, 'filter[offerIds]');
      const list = products.filter((pr) => {
        if (ids.length && !ids.includes(String(pr.id))) return false;
        if (offerIds.length && !pr.offers.some((o: Obj) => offerIds.includes(String(o.id)))) return false;
        if (name && !pr.name.toLowerCase().includes(name) && !pr.article.toLowerCase().includes(name)) return false;
        if (ext && pr.externalId !== ext) return false;
        if (offerExt && !pr.offers.some((o: Obj) => o.externalId === offerExt)) return false;
        return true;
      });
      const { page, pagination } = paginate(list, q, [20, 50, 100], 20);
      return [200, { success: true, pagination, products: clone(page) }];
    }
    if (method === 'GET' && p === 'store/inventories') {
      const pArt = arrayParam(q, 'filter[productArticle]');
      const oArt = arrayParam(q, 'filter[offerArticle]');
      const list = allOffers()
        .filter(({ product, offer }) => (!pArt.length || pArt.includes(product.article)) && (!oArt.length || oArt.includes(offer.article)))
        .map(({ offer }) => ({ id: offer.id, externalId: offer.externalId, xmlId: offer.xmlId, site, quantity: offer.quantity, purchasePrice: offer.purchasePrice }));
      const { page, pagination } = paginate(list, q, [20, 50, 100, 250], 20);
      return [200, { success: true, pagination, offers: page }];
    }
    if (method === 'GET' && p === 'reference/stores') return [200, { success: true, stores: clone(stores) }];
    throw fail(404, 'API method not found');
  }

  function keyOf(req: IncomingMessage, q: URLSearchParams): string | undefined {
    const h = req.headers['x-api-key'];
    return (Array.isArray(h) ? h[0] : h) ?? q.get('apiKey') ?? undefined;
  }

  const outage = createSandboxOutage();
  const server = createServer((req, res) => {
    if (outage.handle(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const forced = failures.shift();
    if (forced !== undefined) {
      req.resume();
      if (forced === 503) {
        res.writeHead(503, { 'content-type': 'text/html' }).end('<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>');
      } else send(res, forced, { success: false, errorMsg: `Injected failure ${forced}` });
      return;
    }
    if (overLimit(req.socket.remoteAddress ?? '?')) {
      limited++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>');
      return;
    }
    const key = keyOf(req, url.searchParams);
    if (!key) {
      req.resume();
      return send(res, 403, { success: false, errorMsg: '"apiKey" is missing.' });
    }
    if (key !== apiKey) {
      req.resume();
      return send(res, 403, { success: false, errorMsg: 'Wrong "apiKey" value.' });
    }
    route(req, url)
      .then(([status, body]) => {
        if (lose > 0) {
          lose--;
          res.destroy();
          return;
        }
        send(res, status, body);
      })
      .catch((error: unknown) => {
        if (error instanceof HttpError) send(res, error.status, error.body);
        else send(res, 500, { success: false, errorMsg: `Internal error: ${(error as Error).message}` });
      });
  });
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, opts.port ?? 0, host);
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    baseUrl,
    outage,
    apiKey,
    site,
    credentials: { url: baseUrl, apiKey, site },
    state: { orders, customers, products, stores, history, notes, packs },
    triggerLog,
    requestCount: (r?: string) => (r ? (counts.get(r) ?? 0) : [...counts.values()].reduce((a, b) => a + b, 0)),
    failNext(n, status = 503) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    rateLimited: () => limited,
    loseNextResponse(n) {
      lose += n;
    },
    addTrigger(t) {
      triggers.push(t);
    },
    userCreate(data = {}) {
      const customerId = data.customer?.id ?? customers[orders.length % customers.length].id;
      const offer = allOffers()[orders.length % allOffers().length].offer;
      return clone(createOrder({ customer: { id: customerId }, items: [{ offer: { id: offer.id }, quantity: 1 }], ...data }, { source: 'user' }));
    },
    userEdit(orderId, changes) {
      const order = orders.find((o) => o.id === orderId);
      if (!order) throw new Error(`No order ${orderId}`);
      return clone(editOrder(order, changes, { source: 'user' }));
    },
    close: async () => {
      await Promise.allSettled([...inflight]);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** The scopes the sandbox key has by default (newer accounts answer these). */
const SCOPES = ['order_read', 'order_write', 'customer_read', 'customer_write', 'store_read', 'reference_read'];

/** What `GET /api/credentials` lists for the sandbox key: every method the connector uses. */
const CREDENTIALS = [
  '/api/orders',
  '/api/orders/create',
  '/api/orders/{externalId}',
  '/api/orders/{externalId}/edit',
  '/api/orders/history',
  '/api/orders/packs',
  '/api/customers',
  '/api/customers/create',
  '/api/customers/{externalId}',
  '/api/customers/notes/create',
  '/api/store/products',
  '/api/store/inventories',
  '/api/reference/stores',
];
