// A faithful fake of WB's Marketplace API (FBS) on node:http for the demo and tests, following WB's
// OpenAPI («Заказы FBS», «Остатки на складах продавца»):
// - `Authorization: <token>` (no "Bearer"); a missing or wrong token answers 401 in the gateway's
//   problem-details shape {title, detail, code, requestId, origin, status, statusText, timestamp};
// - GET /api/v3/orders: `limit` 1..1000 and `next` required, `dateFrom`/`dateTo` unix seconds,
//   at most 30 days apart (dateFrom defaults to 30 days back) — else 400 {code, message};
//   pages by `next` (the last id of the page; ids grow with creation time);
// - GET /api/v3/orders/new: every task still new/waiting, with the OrderNew extras (finalPrice…);
// - POST /api/v3/orders/status: 1..1000 ids; unknown ids are left out of the answer;
// - PUT /api/v3/stocks/{warehouseId}: 1..1000 lines of {sku | chrtId, amount ≤ 100000}; an unknown
//   barcode or a too large amount answers 409 with WB's list of errors naming the lines, nothing
//   updated; an unknown warehouse 404; POST reads the stocks back; GET /api/v3/warehouses;
// - the limit: a token bucket per token (300/min, burst 20), a 4xx costing 10 requests as WB counts
//   it; over it 429 "too many requests" with X-Ratelimit-Retry / -Limit / -Reset;
// - prices as ×100 integers with ISO 4217 numeric currency codes.
// Seeded: the same seed gives the same orders. Time comes from an injectable clock; new orders
// appear through `addOrders(n)`, so tests never wait on the wall clock.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SandboxHandle, SandboxOptions } from '../../connector-kit/types.ts';
import { seededRandom } from '../../connector-kit/seeded-random.ts';
import { listen } from '../../lib/listen.ts';
import { createSandboxOutage, type SandboxOutage } from '../../connector-kit/sandbox-outage.ts';
import { DEMO_PRODUCTS } from '../demo-data.ts';

type Obj = Record<string, any>;
const DAY_MS = 86_400_000;
const MAX_PERIOD_S = 30 * 86_400;

export interface WildberriesSandboxOptions extends SandboxOptions {
  token?: string;
  /** Seeded orders are spread over this many days up to the clock's now (default 60). */
  days?: number;
  /** Requests a minute per token before 429 (default 300; 0 turns the limit off). */
  ratePerMinute?: number;
  /** Requests that may come at once (default 20). */
  burst?: number;
  /** X-Ratelimit-Retry of a 429, seconds (default 1). */
  retryAfterSeconds?: number;
  /** The sandbox's clock, ms (default Date.now): order dates and the default period follow it. */
  now?: () => number;
}

export interface SandboxProduct {
  article: string;
  name: string;
  /** Roubles. */
  price: number;
  nmId: number;
  chrtId: number;
  barcode: string;
}

export interface SandboxOrder {
  /** As GET /api/v3/orders answers it. */
  order: Obj;
  /** Only in GET /api/v3/orders/new answers. */
  extra: Obj;
  supplierStatus: string;
  wbStatus: string;
}

export interface SandboxRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** The sandbox clock when it came, ms. */
  at: number;
}

export interface WildberriesSandbox extends SandboxHandle {
  /** `POST /_sandbox/outage {"status":503,"seconds":N}`: every request refused for N s; the request log. */
  outage: SandboxOutage;
  credentials: { token: string; url: string };
  token: string;
  /** Live state, for tests and the demo. */
  state: { orders: SandboxOrder[]; products: SandboxProduct[]; warehouses: Obj[]; stocks: Map<number, Map<number, number>> };
  /** Every request received, in order. */
  requests: SandboxRequest[];
  resetLog(): void;
  /** `n` new assembly tasks created at the clock's now (or `at`), new/waiting. */
  addOrders(n: number, opts?: { at?: number; article?: string; warehouseId?: number }): Obj[];
  setStatus(id: number, supplierStatus: string, wbStatus?: string): void;
  /** The next `n` authenticated requests answer 429 before anything else is done. */
  failNext(n: number): void;
  /** The amount of a barcode in a warehouse (undefined when never set). */
  stockOf(warehouseId: number, sku: string): number | undefined;
  /** Requests refused with 429. */
  rateLimited(): number;
}

/** EAN-13 check digit for 12 digits. */
function ean13(body12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${body12}${(10 - (sum % 10)) % 10}`;
}

export const SANDBOX_PRODUCTS: readonly SandboxProduct[] = DEMO_PRODUCTS.map(([name, article, price], i) => ({
  article,
  name,
  price,
  nmId: 150_000_000 + i * 7_919,
  chrtId: 300_000_000 + i * 104_729,
  barcode: ean13(`2000000${String(1001 + i).padStart(5, '0')}`),
}));

export const SANDBOX_WAREHOUSES: readonly Obj[] = [
  { id: 658434, name: 'Склад продавца Москва', officeId: 123, cargoType: 1, deliveryType: 1 },
  { id: 658435, name: 'Склад продавца Казань', officeId: 124, cargoType: 1, deliveryType: 1 },
];

const OFFICES = ['Коледино', 'Подольск', 'Электросталь', 'Казань', 'Краснодар'];
const CITIES = ['г. Москва, ул. Ленина, д. 5, кв. 12', 'г. Казань, ул. Баумана, д. 17', 'г. Екатеринбург, пр. Мира, д. 3, кв. 40'];
const COMMENTS = ['Упакуйте в плёнку, пожалуйста', 'Позвонить за час', ''];
/** Sale currencies: code, units per rouble. */
const SALE_CURRENCIES: Array<[number, number]> = [
  [643, 1],
  [643, 1],
  [643, 1],
  [643, 1],
  [643, 1],
  [643, 1],
  [643, 1],
  [643, 1],
  [398, 5.6],
  [933, 0.035],
];

const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

class WbError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly contentType: string;
  constructor(status: number, body: unknown, contentType = 'application/json; charset=utf-8') {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.contentType = contentType;
  }
}

const incorrect = (parameter: string, reason: string) =>
  new WbError(400, { code: 'IncorrectParameter', message: 'Передан некорректный параметр', data: { parameter, reason } });
const badBody = () => new WbError(400, { code: 'IncorrectRequestBody', message: 'Некорректное тело запроса' });

export async function startWildberriesSandbox(opts: WildberriesSandboxOptions = {}): Promise<WildberriesSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const seed = opts.seed ?? 1;
  const random = seededRandom(seed >>> 0 || 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const now = opts.now ?? (() => Date.now());
  // A JWT-shaped demo token: WB's tokens are JWTs.
  const token = opts.token ?? `eyJhbGciOiJFUzI1NiIsImtpZCI6IjIwMjUwOTA0djEiLCJ0eXAiOiJKV1QifQ.eyJzaWQiOiJzYW5kYm94LSR7c2VlZH0ifQ.sandbox-${seed}`;
  const ratePerMinute = opts.ratePerMinute ?? 300;
  const burst = opts.burst ?? 20;
  const retryAfter = opts.retryAfterSeconds ?? 1;

  const products = SANDBOX_PRODUCTS.map((p) => ({ ...p }));
  const warehouses = SANDBOX_WAREHOUSES.map((w) => ({ ...w }));
  const byBarcode = new Map(products.map((p) => [p.barcode, p]));
  const byChrt = new Map(products.map((p) => [p.chrtId, p]));
  const stocks = new Map<number, Map<number, number>>(warehouses.map((w) => [w.id as number, new Map<number, number>()]));
  for (const p of products) stocks.get(warehouses[0].id)!.set(p.chrtId, 5 + Math.floor(random() * 40));

  const orders: SandboxOrder[] = [];
  const byId = new Map<number, SandboxOrder>();
  let nextId = 13_833_711;
  const requests: SandboxRequest[] = [];
  let failures = 0;
  let limited = 0;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function makeOrder(at: number, o: { article?: string; warehouseId?: number } = {}): SandboxOrder {
    const product = (o.article && products.find((p) => p.article === o.article)) || pick(products);
    const [currencyCode, perRouble] = pick(SALE_CURRENCIES);
    const discount = 0.7 + Math.floor(random() * 25) / 100;
    const roubles = Math.round(product.price * discount);
    const convertedPrice = roubles * 100;
    const price = Math.round(roubles * perRouble * 100);
    const withAddress = random() < 0.3;
    const comment = pick(COMMENTS);
    const id = nextId;
    nextId += 1 + Math.floor(random() * 3);
    const order: Obj = {
      address: withAddress ? { fullAddress: pick(CITIES), longitude: 37.6 + random(), latitude: 55.7 + random() } : null,
      scanPrice: null,
      deliveryType: 'fbs',
      orderUid: `${100_000_000 + Math.floor(random() * 899_999_999)}_${hex(32)}`,
      article: product.article,
      colorCode: '',
      rid: hex(32),
      createdAt: rfc3339(at),
      offices: [pick(OFFICES)],
      skus: [product.barcode],
      id,
      warehouseId: o.warehouseId ?? warehouses[0].id,
      officeId: 123,
      nmId: product.nmId,
      chrtId: product.chrtId,
      price,
      convertedPrice,
      currencyCode,
      convertedCurrencyCode: 643,
      cargoType: 1,
      comment,
      isZeroOrder: false,
      options: { isB2b: false },
    };
    const extra: Obj = {
      finalPrice: price,
      convertedFinalPrice: convertedPrice,
      salePrice: product.price * 100,
      ddate: rfc3339(at + 3 * DAY_MS).slice(0, 10),
      requiredMeta: [],
      optionalMeta: [],
    };
    const record: SandboxOrder = { order, extra, supplierStatus: 'new', wbStatus: 'waiting' };
    orders.push(record);
    byId.set(id, record);
    return record;
  }

  // Seeded history: spread over `days` up to now; older tasks have moved on.
  const start = now();
  const days = opts.days ?? 60;
  const count = Math.max(0, opts.records ?? 40);
  const times = Array.from({ length: count }, () => start - Math.floor(random() * days * DAY_MS)).sort((a, b) => a - b);
  for (const at of times) {
    const record = makeOrder(at);
    const age = start - at;
    const roll = random();
    if (age > 7 * DAY_MS) [record.supplierStatus, record.wbStatus] = roll < 0.85 ? ['complete', 'sold'] : ['cancel', 'canceled'];
    else if (age > DAY_MS) [record.supplierStatus, record.wbStatus] = roll < 0.5 ? ['complete', 'sorted'] : ['confirm', 'waiting'];
  }

  // ---------- the rate limit ----------

  /** Takes `cost` requests from the token's bucket; false when it is empty. */
  function take(key: string, cost: number): boolean {
    if (ratePerMinute <= 0) return true;
    const t = performance.now();
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 60_000) * ratePerMinute);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= cost;
    return true;
  }

  const gatewayError = (status: number, title: string, detail: string, statusText: string) =>
    new WbError(
      status,
      {
        title,
        detail,
        code: `07e4668e-${hex(12)}-[UK-${hex(11)}]`,
        requestId: randomBytes(16).toString('hex'),
        origin: 's2s-api-auth-marketplace',
        status,
        statusText,
        timestamp: rfc3339(now()),
      },
      'application/problem+json',
    );

  // ---------- routes ----------

  const intParam = (q: URLSearchParams, name: string): number | undefined => {
    const raw = q.get(name);
    if (raw === null || raw === '') return undefined;
    if (!/^-?\d+$/.test(raw)) throw incorrect(name, 'not an integer');
    return Number(raw);
  };

  function listOrders(q: URLSearchParams): Obj {
    const limit = intParam(q, 'limit');
    if (limit === undefined || limit < 1 || limit > 1000) throw incorrect('limit', 'limit must be 1..1000');
    const next = intParam(q, 'next');
    if (next === undefined || next < 0) throw incorrect('next', 'next is required, 0 on the first request');
    const nowS = Math.floor(now() / 1000);
    const dateTo = intParam(q, 'dateTo') ?? nowS;
    const dateFrom = intParam(q, 'dateFrom') ?? dateTo - MAX_PERIOD_S;
    if (dateFrom < 0 || dateTo < dateFrom) throw incorrect('dateFrom', 'dateFrom must not be after dateTo');
    if (dateTo - dateFrom > MAX_PERIOD_S) throw incorrect('dateTo', 'the period is longer than 30 days');
    const page = orders
      .filter((r) => {
        const created = Date.parse(r.order.createdAt) / 1000;
        return created >= dateFrom && created <= dateTo && r.order.id > next;
      })
      .sort((a, b) => a.order.id - b.order.id)
      .slice(0, limit);
    return { next: page.length ? page[page.length - 1].order.id : next, orders: page.map((r) => structuredClone(r.order)) };
  }

  function statuses(body: unknown): Obj {
    const ids = (body as Obj | null)?.orders;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 1000 || !ids.every((v) => Number.isInteger(v))) throw badBody();
    const out: Obj[] = [];
    for (const id of ids) {
      const r = byId.get(id);
      if (r) out.push({ id, supplierStatus: r.supplierStatus, wbStatus: r.wbStatus });
    }
    return { orders: out };
  }

  function warehouseStocks(id: number): Map<number, number> {
    const s = stocks.get(id);
    if (!s) throw new WbError(404, { code: 'NotFound', message: '' });
    return s;
  }

  function putStocks(id: number, body: unknown): void {
    const s = warehouseStocks(id);
    const lines = (body as Obj | null)?.stocks;
    if (!Array.isArray(lines) || lines.length < 1 || lines.length > 1000) throw badBody();
    const notFound: Obj[] = [];
    const tooMany: Obj[] = [];
    const updates: Array<[number, number]> = [];
    for (const line of lines) {
      if (!line || typeof line !== 'object' || !Number.isInteger(line.amount) || line.amount < 0) throw badBody();
      const product = line.chrtId !== undefined ? byChrt.get(line.chrtId) : typeof line.sku === 'string' ? byBarcode.get(line.sku) : undefined;
      const shown = { ...(line.sku !== undefined ? { sku: line.sku } : { chrtId: line.chrtId }), amount: line.amount };
      if (!product) notFound.push(shown);
      else if (line.amount > 100_000) tooMany.push(shown);
      else updates.push([product.chrtId, line.amount]);
    }
    const errors: Obj[] = [];
    if (notFound.length) errors.push({ code: 'NotFound', message: 'Not found', data: notFound });
    if (tooMany.length) errors.push({ code: 'UploadDataLimit', message: 'Upload limit exceeded.', data: tooMany });
    if (errors.length) throw new WbError(409, errors);
    for (const [chrtId, amount] of updates) s.set(chrtId, amount);
  }

  function readStocks(id: number, body: unknown): Obj {
    const s = warehouseStocks(id);
    const b = (body ?? {}) as Obj;
    const found: Array<SandboxProduct | undefined> = Array.isArray(b.chrtIds)
      ? b.chrtIds.map((c: number) => byChrt.get(c))
      : Array.isArray(b.skus)
        ? b.skus.map((k: string) => byBarcode.get(k))
        : [];
    const wanted = found.filter((p): p is SandboxProduct => p !== undefined);
    if (!Array.isArray(b.chrtIds) && !Array.isArray(b.skus)) throw badBody();
    return { stocks: wanted.filter((p) => s.has(p.chrtId)).map((p) => ({ sku: p.barcode, chrtId: p.chrtId, amount: s.get(p.chrtId) })) };
  }

  function route(method: string, path: string, q: URLSearchParams, body: unknown): [number, unknown] {
    if (method === 'GET' && path === '/api/v3/orders') return [200, listOrders(q)];
    if (method === 'GET' && path === '/api/v3/orders/new') {
      const fresh = orders.filter((r) => r.supplierStatus === 'new' && r.wbStatus === 'waiting');
      return [200, { orders: fresh.map((r) => ({ ...structuredClone(r.order), ...r.extra })) }];
    }
    if (method === 'POST' && path === '/api/v3/orders/status') return [200, statuses(body)];
    if (method === 'GET' && path === '/api/v3/warehouses') return [200, warehouses.map((w) => ({ ...w }))];
    const m = /^\/api\/v3\/stocks\/([^/]+)$/.exec(path);
    if (m) {
      const id = Number(m[1]);
      if (!Number.isInteger(id)) throw incorrect('warehouseId', 'not an integer');
      if (method === 'PUT') {
        putStocks(id, body);
        return [204, undefined];
      }
      if (method === 'POST') return [200, readStocks(id, body)];
    }
    throw new WbError(404, { code: 'NotFound', message: 'Не найдено' });
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw badBody();
    }
  }

  function answer(res: ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8', headers: Record<string, string> = {}): void {
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    res.writeHead(status, { 'content-type': contentType, ...headers }).end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const log: SandboxRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, at: now() };
    requests.push(log);
    const send = (status: number, body: unknown, contentType?: string, headers?: Record<string, string>) => {
      log.status = status;
      answer(res, status, body, contentType, headers);
    };
    try {
      const auth = req.headers.authorization;
      if (!auth) throw gatewayError(401, 'unauthorized', 'empty Authorization header', 'Unauthorized');
      if (auth !== token) throw gatewayError(401, 'unauthorized', 'token problem; token is malformed: could not base64 decode signature', 'Unauthorized');
      const key = auth;
      if (failures > 0 || !take(key, 1)) {
        if (failures > 0) failures--;
        limited++;
        const e = gatewayError(429, 'too many requests', `limited by ${randomBytes(8).toString('hex')}`, 'Too Many Requests');
        send(429, e.body, e.contentType, { 'x-ratelimit-retry': String(retryAfter), 'x-ratelimit-limit': String(ratePerMinute), 'x-ratelimit-reset': String(retryAfter) });
        return;
      }
      const body = method === 'GET' ? undefined : await readBody(req);
      try {
        const [status, out] = route(method, url.pathname, url.searchParams, body);
        send(status, out);
      } catch (error) {
        // WB counts a request answered 4xx as 10.
        if (error instanceof WbError && error.status < 500) take(key, 9);
        throw error;
      }
    } catch (error) {
      if (error instanceof WbError) send(error.status, error.body, error.contentType);
      else send(500, { title: 'internal server error', detail: (error as Error).message, status: 500 }, 'application/problem+json');
    }
  }

  const outage = createSandboxOutage();
  const server = createServer((req, res) => {
    if (!outage.handle(req, res)) void handle(req, res);
  });
  const port = await listen(server, opts.port ?? 0, host);
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    baseUrl,
    outage,
    token,
    credentials: { token, url: baseUrl },
    state: { orders, products, warehouses, stocks },
    requests,
    resetLog: () => void requests.splice(0),
    addOrders(n, o = {}) {
      const at = o.at ?? now();
      return Array.from({ length: Math.max(0, n) }, () => structuredClone(makeOrder(at, o).order));
    },
    setStatus(id, supplierStatus, wbStatus) {
      const r = byId.get(id);
      if (!r) throw new Error(`no order ${id}`);
      r.supplierStatus = supplierStatus;
      if (wbStatus !== undefined) r.wbStatus = wbStatus;
    },
    failNext(n) {
      failures = n;
    },
    stockOf(warehouseId, sku) {
      const p = byBarcode.get(sku);
      return p ? stocks.get(warehouseId)?.get(p.chrtId) : undefined;
    },
    rateLimited: () => limited,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
