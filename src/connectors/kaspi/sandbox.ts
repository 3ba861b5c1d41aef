// A faithful fake of the Kaspi shop API v2 (orders) on node:http for the demo and tests: JSON:API
// answers under /shop/api/v2, the X-Auth-Token check (401 in the JSON:API errors shape), the
// creationDate filter required and at most 14 days a call (400 otherwise), page[number] from 0 and
// page[size] at most 100 (both required), meta.pageCount/totalCount, the state filter, the order
// number filter, /orders/{id} and /orders/{id}/entries, and 429 with Retry-After past a
// configurable rate. Seeded from a number; new orders appear when a test or the demo calls
// `addOrders(n)`, dated by an injectable clock, so nothing depends on timing.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../lib/listen.ts';
import { createSandboxOutage, type SandboxOutage } from '../../connector-kit/sandbox-outage.ts';
import { seededRandom } from '../../connector-kit/seeded-random.ts';
import type { SandboxHandle, SandboxOptions } from '../../connector-kit/types.ts';
import { ORDER_STATES, type OrderState } from './fields.ts';

const DAY_MS = 86_400_000;
const MAX_WINDOW_MS = 14 * DAY_MS;
const BASE_PATH = '/shop/api/v2';
const MEDIA_TYPE = 'application/vnd.api+json';

export interface KaspiSandboxEntry {
  id: string;
  entryNumber: number;
  quantity: number;
  basePrice: number;
  totalPrice: number;
  deliveryCost: number;
  offer: { code: string; name: string };
  category: { code: string; title: string };
}

export interface KaspiSandboxOrder {
  id: string;
  code: string;
  creationDate: number;
  state: OrderState;
  status: string;
  totalPrice: number;
  paymentMode: string;
  deliveryMode: string;
  isKaspiDelivery: boolean;
  deliveryCostForSeller: number;
  plannedDeliveryDate: number;
  signatureRequired: boolean;
  creditTerm: number;
  preOrder: boolean;
  pickupPointId: string;
  customer: { id: string; name: string; cellPhone: string; firstName: string; lastName: string };
  deliveryAddress: { streetName: string; streetNumber: string; town: string; building: string; apartment: string; formattedAddress: string; latitude: number; longitude: number } | null;
  entries: KaspiSandboxEntry[];
}

export interface KaspiSandboxRequest {
  method: string;
  /** Path below /shop/api/v2, e.g. `/orders` or `/orders/MTUw/entries`. */
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface KaspiSandboxOptions extends SandboxOptions {
  token?: string;
  /** Seeded orders are spread over this many days back from the clock (default 30). */
  days?: number;
  /** Requests per second before a 429; 0 disables. Default 6. */
  ratePerSecond?: number;
  /** Retry-After of a 429, seconds (default 1). */
  retryAfterSeconds?: number;
  /** The clock new and seeded orders are dated by (epoch ms); the wall clock by default. */
  now?: () => number;
  /** A new NEW order every this many ms of real time (the demo and `svyazka sandbox`); off by default. */
  newOrderEveryMs?: number;
}

export interface KaspiSandbox extends SandboxHandle {
  /** `POST /_sandbox/outage {"status":503,"seconds":N}`: every request refused for N s; the request log. */
  outage: SandboxOutage;
  credentials: { token: string; url: string };
  token: string;
  /** Live state, for tests and the demo. */
  state: { orders: KaspiSandboxOrder[] };
  /** Every request received (after routing), with its query and the status answered. */
  requests: KaspiSandboxRequest[];
  /** `n` new orders dated by the clock (or `ageMs` before it), NEW unless told otherwise. */
  addOrders(n: number, opts?: { state?: OrderState; status?: string; ageMs?: number }): KaspiSandboxOrder[];
  /** A change made in the seller cabinet or by Kaspi: the order's new state and status. */
  setState(id: string, state: OrderState, status?: string): KaspiSandboxOrder;
  /** The next `n` requests answer `status` (429 by default, with Retry-After) before anything else. */
  failNext(n: number, status?: number): void;
  /** Requests refused with 429 for going over the rate. */
  rateLimited(): number;
}

const FIRST_M = ['Нурлан', 'Данияр', 'Ержан', 'Арман', 'Руслан', 'Тимур'];
const FIRST_F = ['Айгерим', 'Асель', 'Мадина', 'Динара', 'Жанна', 'Алия'];
const LAST_M = ['Касымов', 'Ахметов', 'Нургалиев', 'Сейтказиев', 'Жумабаев', 'Омаров'];
const LAST_F = ['Касымова', 'Ахметова', 'Нургалиева', 'Сейтказиева', 'Жумабаева', 'Омарова'];
const TOWNS: Array<[string, number, number]> = [
  ['Алматы', 43.2389, 76.8897],
  ['Астана', 51.1605, 71.4704],
  ['Шымкент', 42.3417, 69.5901],
  ['Караганда', 49.8047, 73.1094],
];
const STREETS = ['проспект Абая', 'улица Толе би', 'проспект Достык', 'улица Сатпаева', 'проспект Республики'];
/** [name, seller code, price ₸, category code, category title] */
const PRODUCTS: Array<[string, string, number, string, string]> = [
  ['Смартфон Samsung Galaxy A15 128 ГБ черный', 'SAMS-A15-128-BK', 89990, 'Smartphones', 'Смартфоны'],
  ['Наушники Apple AirPods Pro 2', 'APL-APP2', 119990, 'Headphones', 'Наушники'],
  ['Чайник Tefal KO2408 белый', 'TEF-KO2408', 14990, 'Kettles', 'Электрочайники'],
  ['Пылесос Xiaomi Robot Vacuum E10', 'XMI-E10', 74990, 'Vacuums', 'Пылесосы'],
  ['Кофемашина DeLonghi Magnifica S', 'DLG-ECAM22', 219990, 'CoffeeMachines', 'Кофемашины'],
  ['Фен Dyson Supersonic HD07', 'DSN-HD07', 279990, 'HairDryers', 'Фены'],
  ['Мультиварка Redmond RMC-M90', 'RMD-M90', 32990, 'Multicookers', 'Мультиварки'],
];
const DELIVERY_MODES = ['DELIVERY_LOCAL', 'DELIVERY_PICKUP', 'DELIVERY_REGIONAL_TODOOR'];
const PAYMENT_MODES = ['PAY_WITH_CREDIT', 'PREPAID'];
const STATE_WEIGHTS: Array<[OrderState, number]> = [
  ['NEW', 0.4],
  ['SIGN_REQUIRED', 0.05],
  ['PICKUP', 0.15],
  ['DELIVERY', 0.15],
  ['KASPI_DELIVERY', 0.1],
  ['ARCHIVE', 0.15],
];

function defaultStatus(state: OrderState, random: () => number): string {
  if (state === 'NEW') return 'APPROVED_BY_BANK';
  if (state === 'ARCHIVE') return random() < 0.8 ? 'COMPLETED' : 'CANCELLED';
  return 'ACCEPTED_BY_MERCHANT';
}

class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(status: number, title: string, detail: string) {
    super(detail);
    this.status = status;
    this.title = title;
  }
  get detail(): string {
    return this.message;
  }
}

export async function startKaspiSandbox(opts: KaspiSandboxOptions = {}): Promise<KaspiSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? 'sandbox-kaspi-token';
  const random = seededRandom((opts.seed ?? 1) >>> 0 || 1);
  const now = opts.now ?? (() => Date.now());
  const days = opts.days ?? 30;
  const ratePerSecond = opts.ratePerSecond ?? 6;
  const retryAfter = opts.retryAfterSeconds ?? 1;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

  const orders: KaspiSandboxOrder[] = [];
  const requests: KaspiSandboxRequest[] = [];
  const failures: number[] = [];
  const recent: number[] = [];
  let limited = 0;
  let codeSeq = 150_000_000 + Math.floor(random() * 1_000_000);

  function newOrder(creationDate: number, state: OrderState, status?: string): KaspiSandboxOrder {
    const code = String(++codeSeq);
    const id = Buffer.from(code).toString('base64');
    const female = random() < 0.5;
    const firstName = pick(female ? FIRST_F : FIRST_M);
    const lastName = pick(female ? LAST_F : LAST_M);
    const entries: KaspiSandboxEntry[] = [];
    const count = 1 + Math.floor(random() * 3);
    for (let i = 0; i < count; i++) {
      const [name, offerCode, price, catCode, catTitle] = pick(PRODUCTS);
      const quantity = 1 + Math.floor(random() * 2);
      entries.push({ id: Buffer.from(`${code}-${i}`).toString('base64'), entryNumber: i, quantity, basePrice: price, totalPrice: price * quantity, deliveryCost: 0, offer: { code: offerCode, name }, category: { code: catCode, title: catTitle } });
    }
    const deliveryMode = pick(DELIVERY_MODES);
    const [town, lat, lon] = pick(TOWNS);
    const street = pick(STREETS);
    const number = String(1 + Math.floor(random() * 200));
    const apartment = String(1 + Math.floor(random() * 150));
    const order: KaspiSandboxOrder = {
      id,
      code,
      creationDate,
      state,
      status: status ?? defaultStatus(state, random),
      totalPrice: entries.reduce((s, e) => s + e.totalPrice, 0),
      paymentMode: pick(PAYMENT_MODES),
      deliveryMode,
      isKaspiDelivery: state === 'KASPI_DELIVERY',
      deliveryCostForSeller: deliveryMode === 'DELIVERY_PICKUP' ? 0 : 1500,
      plannedDeliveryDate: creationDate + 2 * DAY_MS,
      signatureRequired: state === 'SIGN_REQUIRED',
      creditTerm: 0,
      preOrder: false,
      pickupPointId: 'PP1',
      customer: { id: Buffer.from(`c-${code}`).toString('base64'), name: `${firstName} ${lastName}`, cellPhone: `7${pick(['01', '05', '07', '47', '77'])}${String(1_000_000 + Math.floor(random() * 8_999_999))}`, firstName, lastName },
      deliveryAddress:
        deliveryMode === 'DELIVERY_PICKUP'
          ? null
          : { streetName: street, streetNumber: number, town, building: '', apartment, formattedAddress: `${town}, ${street}, ${number}, кв. ${apartment}`, latitude: lat, longitude: lon },
      entries,
    };
    orders.push(order);
    return order;
  }

  function weightedState(): OrderState {
    let r = random();
    for (const [state, w] of STATE_WEIGHTS) {
      if (r < w) return state;
      r -= w;
    }
    return 'NEW';
  }

  const startedAt = now();
  for (let i = 0; i < (opts.records ?? 30); i++) newOrder(startedAt - Math.floor(random() * days * DAY_MS), weightedState());

  const outage = createSandboxOutage();
  const server = createServer((req, res) => {
    if (outage.handle(req, res)) return;
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { errors: [{ status: '500', title: 'Internal Server Error', detail: String((error as Error).message) }] });
    });
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': MEDIA_TYPE, ...headers });
    res.end(JSON.stringify(body));
  }

  function overRate(): boolean {
    if (ratePerSecond <= 0) return false;
    // Real elapsed time, not the injectable clock: a frozen test clock must not make every request "too fast".
    const t = performance.now();
    while (recent.length && recent[0] <= t - 1000) recent.shift();
    if (recent.length >= ratePerSecond) return true;
    recent.push(t);
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.startsWith(BASE_PATH) ? url.pathname.slice(BASE_PATH.length) || '/' : url.pathname;
    const query = Object.fromEntries(url.searchParams.entries());
    const record = (status: number) => requests.push({ method: req.method ?? 'GET', path, query, status });
    for await (const chunk of req) void chunk;

    const failing = failures.shift();
    if (failing !== undefined) {
      record(failing);
      send(res, failing, { errors: [{ status: String(failing), title: failing === 429 ? 'Too Many Requests' : 'Service Unavailable', detail: failing === 429 ? 'Rate limit exceeded' : 'Temporary failure' }] }, { 'retry-after': String(retryAfter) });
      return;
    }
    const given = req.headers['x-auth-token'];
    if (typeof given !== 'string' || given !== token) {
      record(401);
      send(res, 401, { errors: [{ status: '401', title: 'Unauthorized', detail: given ? 'Invalid X-Auth-Token' : 'X-Auth-Token header is required' }] });
      return;
    }
    if (overRate()) {
      limited++;
      record(429);
      send(res, 429, { errors: [{ status: '429', title: 'Too Many Requests', detail: 'Rate limit exceeded' }] }, { 'retry-after': String(retryAfter) });
      return;
    }
    try {
      if (req.method !== 'GET') throw new HttpError(405, 'Method Not Allowed', `${req.method} is not supported here`);
      const body = route(path, url.searchParams, `http://${req.headers.host}${BASE_PATH}`);
      record(200);
      send(res, 200, body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      record(error.status);
      send(res, error.status, { errors: [{ status: String(error.status), title: error.title, detail: error.detail }] });
    }
  }

  function intParam(params: URLSearchParams, name: string, required: boolean): number | undefined {
    const raw = params.get(name);
    if (raw === null || raw === '') {
      if (required) throw new HttpError(400, 'Bad Request', `Parameter ${name} is required`);
      return undefined;
    }
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new HttpError(400, 'Bad Request', `Parameter ${name} must be an integer, got "${raw}"`);
    return n;
  }

  function orderResource(o: KaspiSandboxOrder, base: string): Record<string, unknown> {
    const { id, entries, ...attributes } = o;
    void entries;
    return {
      type: 'orders',
      id,
      attributes,
      relationships: { entries: { links: { self: `${base}/orders/${id}/relationships/entries`, related: `${base}/orders/${id}/entries` } } },
      links: { self: `${base}/orders/${id}` },
    };
  }

  function route(path: string, params: URLSearchParams, base: string): unknown {
    if (path === '/orders') return listOrders(params, base);
    const one = /^\/orders\/([^/]+)$/.exec(path);
    const entries = /^\/orders\/([^/]+)\/entries$/.exec(path);
    const id = decodeURIComponent((one ?? entries)?.[1] ?? '');
    if (!one && !entries) throw new HttpError(404, 'Not Found', `No resource at ${path}`);
    const order = orders.find((o) => o.id === id);
    if (!order) throw new HttpError(404, 'Not Found', `Order ${id} not found`);
    if (one) return { data: orderResource(order, base), links: { self: `${base}/orders/${id}` } };
    return {
      data: order.entries.map((e) => {
        const { id: entryId, ...attributes } = e;
        return { type: 'orderentries', id: entryId, attributes, relationships: { product: { links: { related: `${base}/orderentries/${entryId}/product` } } }, links: { self: `${base}/orderentries/${entryId}` } };
      }),
      meta: { pageCount: 1, totalCount: order.entries.length },
    };
  }

  function listOrders(params: URLSearchParams, base: string): unknown {
    const page = intParam(params, 'page[number]', true)!;
    const size = intParam(params, 'page[size]', true)!;
    if (page < 0) throw new HttpError(400, 'Bad Request', 'page[number] must be 0 or more (pages are numbered from 0)');
    if (size < 1 || size > 100) throw new HttpError(400, 'Bad Request', `page[size] must be from 1 to 100, got ${size}`);
    const code = params.get('filter[orders][code]');
    let found: KaspiSandboxOrder[];
    if (code) found = orders.filter((o) => o.code === code);
    else {
      const ge = intParam(params, 'filter[orders][creationDate][$ge]', true)!;
      const le = intParam(params, 'filter[orders][creationDate][$le]', true)!;
      if (ge > le) throw new HttpError(400, 'Bad Request', 'filter[orders][creationDate][$ge] must not be after [$le]');
      if (le - ge > MAX_WINDOW_MS) throw new HttpError(400, 'Bad Request', 'The creationDate period must not exceed 14 days');
      found = orders.filter((o) => o.creationDate >= ge && o.creationDate <= le);
    }
    const state = params.get('filter[orders][state]');
    if (state) {
      if (!(ORDER_STATES as readonly string[]).includes(state)) throw new HttpError(400, 'Bad Request', `Unknown filter[orders][state] "${state}"`);
      found = found.filter((o) => o.state === state);
    }
    found = [...found].sort((a, b) => a.creationDate - b.creationDate || a.code.localeCompare(b.code));
    return {
      data: found.slice(page * size, (page + 1) * size).map((o) => orderResource(o, base)),
      meta: { pageCount: Math.ceil(found.length / size), totalCount: found.length },
    };
  }

  const port = await listen(server, opts.port ?? 0, host);
  const ticker = opts.newOrderEveryMs && opts.newOrderEveryMs > 0 ? setInterval(() => newOrder(now(), 'NEW'), opts.newOrderEveryMs) : undefined;
  ticker?.unref();
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}${BASE_PATH}`;
  return {
    baseUrl,
    outage,
    token,
    credentials: { token, url: baseUrl },
    state: { orders },
    requests,
    addOrders(n, o = {}) {
      const out: KaspiSandboxOrder[] = [];
      for (let i = 0; i < n; i++) out.push(newOrder(now() - (o.ageMs ?? 0), o.state ?? 'NEW', o.status));
      return out;
    },
    setState(id, state, status) {
      const order = orders.find((o) => o.id === id);
      if (!order) throw new Error(`No sandbox order ${id}`);
      order.state = state;
      order.status = status ?? defaultStatus(state, random);
      order.isKaspiDelivery = state === 'KASPI_DELIVERY';
      return order;
    },
    failNext(n, status = 429) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    rateLimited: () => limited,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ticker);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
