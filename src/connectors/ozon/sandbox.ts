// A faithful fake of the Ozon Seller API on node:http for the demo and tests: Client-Id / Api-Key
// checks with Ozon's error shapes (401 code 16, 403 code 7), the FBS list paged by offset with
// `has_next` and the FBO list as a plain array, period (≤ 1 year) and limit (≤ 1000) refused like
// Ozon (400 code 3), a per-Client-Id rate limit answered 429 code 8, prices as strings, per-line
// stock results, and FBS packaging (ship). Seeded: the same seed gives the same postings. New
// postings appear when a test or the demo calls `addPostings` (never on a timer), dated by the
// sandbox's clock, which tests may inject.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { seededRandom } from '../../connector-kit/seeded-random.ts';
import type { SandboxHandle, SandboxOptions } from '../../connector-kit/types.ts';
import { listen } from '../../lib/listen.ts';
import { createSandboxOutage, type SandboxOutage } from '../../connector-kit/sandbox-outage.ts';
import { DEMO_PRODUCTS } from '../demo-data.ts';

type Obj = Record<string, any>;
const DAY_MS = 86_400_000;
const MAX_LIMIT = 1000;
const MAX_PERIOD_MS = 365 * DAY_MS;
const MAX_STOCK_LINES = 100;
/** Ozon lets a product's stock on one warehouse change once in this long. */
const STOCK_COOLDOWN_MS = 30_000;
const LOG_CAP = 20_000;

export interface OzonSandboxOptions extends SandboxOptions {
  clientId?: string;
  apiKey?: string;
  /** FBS postings seeded over the `days` before now (default 20; `records`). */
  records?: number;
  /** FBO postings seeded the same way (default 5). */
  fboRecords?: number;
  /** Seeded postings are spread over this many days up to now (default 30). */
  days?: number;
  /** Requests per second per Client-Id before 429 code 8 (default 50, Ozon's); 0 disables. Counted on `now`. */
  rateLimit?: number;
  /** The sandbox's clock, ms (default Date.now): dates of new postings, the rate limit, stock cool-down. */
  now?: () => number;
}

export interface SandboxProduct {
  product_id: number;
  sku: number;
  offer_id: string;
  name: string;
  /** Roubles; the API answers it as a string with six decimals. */
  price: number;
}

export interface LoggedRequest {
  path: string;
  clientId: string | undefined;
  body: Obj | undefined;
  status: number;
  at: number;
}

export interface OzonSandbox extends SandboxHandle {
  /** `POST /_sandbox/outage {"status":503,"seconds":N}`: every request refused for N s; the request log. */
  outage: SandboxOutage;
  credentials: { clientId: string; apiKey: string; url: string };
  /** Live state for tests and the demo. Postings are kept oldest first (by in_process_at). */
  state: { fbs: Obj[]; fbo: Obj[]; products: SandboxProduct[]; warehouses: Obj[]; stocks: Map<string, { stock: number; at: number }> };
  /** Every request answered (capped at the last 20,000), with its parsed body and status. */
  requests: LoggedRequest[];
  /** New postings now (by the sandbox's clock), one second apart, ending at now. */
  addPostings(n: number, opts?: { scheme?: 'fbs' | 'fbo'; at?: number; status?: string }): Obj[];
  /** A status change made by Ozon (the buyer, the carrier): the posting's last_changed_status_date moves to now. */
  setStatus(postingNumber: string, status: string): Obj;
  /** The next `n` API requests answer `status` (429 code 8 by default) before anything else is checked. */
  rejectNext(n: number, status?: number, retryAfterSeconds?: number): void;
  /** Requests refused by the rate limit (not counting rejectNext). */
  rateLimited(): number;
  /** Stock of a product (by offer_id) on a warehouse, or undefined if never set. */
  stockOf(offerId: string, warehouseId: number): number | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const money = (n: number) => n.toFixed(6);

class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly headers: Record<string, string>;
  constructor(status: number, code: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}
const invalid = (message: string) => new ApiError(400, 3, message);

function parseInstant(value: unknown, name: string): number {
  if (typeof value !== 'string' || !value.trim()) throw invalid(`invalid request payload: ${name} is required`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw invalid(`invalid request payload: ${name}: invalid value for google.protobuf.Timestamp "${value}"`);
  return ms;
}

function pageArgs(body: Obj): { limit: number; offset: number } {
  const limit = Number(body.limit);
  if (!Number.isInteger(limit) || limit < 1) throw invalid('invalid request payload: limit: value must be greater than 0');
  if (limit > MAX_LIMIT) throw invalid(`invalid request payload: limit: value must be less than or equal to ${MAX_LIMIT}`);
  const offset = body.offset === undefined ? 0 : Number(body.offset);
  if (!Number.isInteger(offset) || offset < 0) throw invalid('invalid request payload: offset: value must be greater than or equal to 0');
  return { limit, offset };
}

function periodOf(filter: Obj | undefined): { since: number; to: number } {
  if (!filter || typeof filter !== 'object') throw invalid('invalid request payload: filter is required');
  const since = parseInstant(filter.since, 'filter.since');
  const to = parseInstant(filter.to, 'filter.to');
  if (since > to) throw invalid('invalid request payload: filter.since must be before filter.to');
  if (to - since > MAX_PERIOD_MS) throw invalid('PERIOD_IS_TOO_LONG: the period between filter.since and filter.to must not exceed one year');
  return { since, to };
}

export async function startOzonSandbox(opts: OzonSandboxOptions = {}): Promise<OzonSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const clientId = opts.clientId ?? '1234567';
  const apiKey = opts.apiKey ?? 'sandbox-ozon-api-key';
  const clock = opts.now ?? Date.now;
  const rateLimit = opts.rateLimit ?? 50;
  const random = seededRandom((opts.seed ?? 1) >>> 0 || 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

  const products: SandboxProduct[] = DEMO_PRODUCTS.map(([name, article, price], i) => ({ product_id: 310_000 + i, sku: 1_450_000_000 + i * 17, offer_id: article, name, price }));
  const warehouses: Obj[] = [
    { warehouse_id: 22_000_000_001, name: 'Основной склад FBS', is_rfbs: false, status: 'created', is_kgt: false, has_entrusted_acceptance: false, first_mile_type: { first_mile_type: 'DropOff' } },
    { warehouse_id: 22_000_000_002, name: 'Склад Санкт-Петербург FBS', is_rfbs: false, status: 'created', is_kgt: false, has_entrusted_acceptance: false, first_mile_type: { first_mile_type: 'Pickup' } },
  ];
  const stocks = new Map<string, { stock: number; at: number }>();
  const fbs: Obj[] = [];
  const fbo: Obj[] = [];
  /** posting_number → when its status last changed (Ozon filters by it; not part of the posting). */
  const changedAt = new Map<string, number>();
  const requests: LoggedRequest[] = [];
  const buckets = new Map<string, { tokens: number; at: number }>();
  const forced: Array<{ status: number; retryAfter?: number }> = [];
  let limited = 0;
  const seq = { fbs: 0, fbo: 0 };

  function lines(): Obj[] {
    const count = 1 + Math.floor(random() * 3);
    const chosen = new Set<SandboxProduct>();
    while (chosen.size < count) chosen.add(pick(products));
    return [...chosen].map((p) => ({ price: money(p.price), offer_id: p.offer_id, name: p.name, sku: p.sku, quantity: 1 + Math.floor(random() * 2), mandatory_mark: [], currency_code: 'RUB' }));
  }

  function newFbs(at: number, status: string): Obj {
    const n = ++seq.fbs;
    const orderNumber = `${String(70_000_000 + n * 13)}-${String(1000 + (n % 9000))}`;
    const wh = pick(warehouses);
    return {
      posting_number: `${orderNumber}-1`,
      order_id: 30_000_000_000 + n,
      order_number: orderNumber,
      status,
      substatus: status === 'awaiting_packaging' ? 'posting_created' : '',
      delivery_method: { id: 1_000_000 + (wh.warehouse_id % 100), name: `Ozon Логистика курьеру, ${wh.name}`, warehouse_id: wh.warehouse_id, warehouse: wh.name, tpl_provider_id: 24, tpl_provider: 'Ozon Логистика' },
      tracking_number: '',
      tpl_integration_type: 'ozon',
      in_process_at: iso(at),
      shipment_date: iso(at + DAY_MS),
      delivering_date: null,
      cancellation: { cancel_reason_id: 0, cancel_reason: '', cancellation_type: '', cancelled_after_ship: false, affect_cancellation_rating: false, cancellation_initiator: '' },
      customer: null,
      products: lines(),
      addressee: null,
      barcodes: null,
      analytics_data: null,
      financial_data: null,
      is_express: false,
      requirements: { products_requiring_gtd: [], products_requiring_country: [], products_requiring_mandatory_mark: [], products_requiring_rnpt: [] },
      parent_posting_number: '',
      available_actions: [],
      multi_box_qty: 1,
      is_multibox: false,
    };
  }

  function newFbo(at: number, status: string): Obj {
    const n = ++seq.fbo;
    const orderNumber = `${String(80_000_000 + n * 11)}-${String(2000 + (n % 8000))}`;
    return {
      order_id: 40_000_000_000 + n,
      order_number: orderNumber,
      posting_number: `${orderNumber}-1`,
      status,
      cancel_reason_id: 0,
      created_at: iso(at - 60_000),
      in_process_at: iso(at),
      products: lines().map(({ mandatory_mark: _m, ...l }) => ({ ...l, digital_codes: [] })),
      analytics_data: null,
      financial_data: null,
      additional_data: [],
    };
  }

  const byTime = (a: Obj, b: Obj) => Date.parse(a.in_process_at) - Date.parse(b.in_process_at) || String(a.posting_number).localeCompare(String(b.posting_number));

  // Seed: postings spread over the days before now, older ones further along their lives.
  const now0 = clock();
  const days = opts.days ?? 30;
  const seedOld = (count: number, make: (at: number, status: string) => Obj, into: Obj[], statuses: readonly string[]) => {
    for (let i = 0; i < count; i++) {
      const at = now0 - Math.floor(random() * days * DAY_MS) - 60_000;
      const p = make(at, pick(statuses));
      into.push(p);
      changedAt.set(p.posting_number, at);
    }
    into.sort(byTime);
  };
  seedOld(opts.records ?? 20, newFbs, fbs, ['awaiting_packaging', 'awaiting_deliver', 'delivering', 'delivered', 'delivered', 'cancelled']);
  seedOld(opts.fboRecords ?? 5, newFbo, fbo, ['awaiting_packaging', 'delivering', 'delivered']);

  function addPostings(n: number, o: { scheme?: 'fbs' | 'fbo'; at?: number; status?: string } = {}): Obj[] {
    const end = o.at ?? clock();
    const scheme = o.scheme ?? 'fbs';
    const made: Obj[] = [];
    for (let i = 0; i < n; i++) {
      const at = end - (n - 1 - i) * 1000;
      const p = scheme === 'fbs' ? newFbs(at, o.status ?? 'awaiting_packaging') : newFbo(at, o.status ?? 'awaiting_packaging');
      changedAt.set(p.posting_number, at);
      made.push(p);
    }
    const into = scheme === 'fbs' ? fbs : fbo;
    into.push(...made);
    into.sort(byTime);
    return made;
  }

  function findPosting(postingNumber: string): Obj | undefined {
    return fbs.find((p) => p.posting_number === postingNumber) ?? fbo.find((p) => p.posting_number === postingNumber);
  }

  function setStatus(postingNumber: string, status: string): Obj {
    const p = findPosting(postingNumber);
    if (!p) throw new Error(`No posting ${postingNumber}`);
    p.status = status;
    changedAt.set(postingNumber, clock());
    return p;
  }

  // ---------- auth and limits ----------

  function authorize(req: IncomingMessage): string {
    const id = req.headers['client-id'];
    const key = req.headers['api-key'];
    const idText = Array.isArray(id) ? id[0] : id;
    const keyText = Array.isArray(key) ? key[0] : key;
    if (!idText || !keyText) throw new ApiError(401, 16, 'Client-Id and Api-Key headers are required');
    // Ozon does not tell a wrong Client-Id from a wrong key: the key does not belong to that id.
    if (idText !== clientId || keyText !== apiKey) throw new ApiError(403, 7, 'Invalid Api-Key, please contact support');
    return idText;
  }

  /** A token bucket per Client-Id on the sandbox's clock: `rateLimit` a second, bursts up to it. */
  function overLimit(id: string): boolean {
    if (!rateLimit) return false;
    const now = clock();
    const b = buckets.get(id) ?? { tokens: rateLimit, at: now };
    b.tokens = Math.min(rateLimit, b.tokens + (Math.max(0, now - b.at) / 1000) * rateLimit);
    b.at = now;
    buckets.set(id, b);
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  }

  // ---------- methods ----------

  function fbsList(body: Obj): Obj {
    const { limit, offset } = pageArgs(body);
    const { since, to } = periodOf(body.filter);
    const f = body.filter as Obj;
    let changedFrom: number | undefined;
    let changedTo: number | undefined;
    if (f.last_changed_status_date) {
      changedFrom = parseInstant(f.last_changed_status_date.from, 'filter.last_changed_status_date.from');
      changedTo = parseInstant(f.last_changed_status_date.to, 'filter.last_changed_status_date.to');
    }
    let list = fbs.filter((p) => {
      const at = Date.parse(p.in_process_at);
      if (at < since || at > to) return false;
      if (f.status && p.status !== f.status) return false;
      if (changedFrom !== undefined) {
        const c = changedAt.get(p.posting_number) ?? at;
        if (c < changedFrom || c > changedTo!) return false;
      }
      return true;
    });
    if (String(body.dir ?? 'ASC').toUpperCase() === 'DESC') list = [...list].reverse();
    const page = list.slice(offset, offset + limit);
    return { result: { postings: structuredClone(page), has_next: offset + limit < list.length } };
  }

  function fboList(body: Obj): Obj {
    const { limit, offset } = pageArgs(body);
    const { since, to } = periodOf(body.filter);
    const f = body.filter as Obj;
    let list = fbo.filter((p) => {
      const at = Date.parse(p.in_process_at);
      return at >= since && at <= to && (!f.status || p.status === f.status);
    });
    if (String(body.dir ?? 'ASC').toUpperCase() === 'DESC') list = [...list].reverse();
    return { result: structuredClone(list.slice(offset, offset + limit)) };
  }

  function fbsGet(body: Obj): Obj {
    const pn = body.posting_number;
    if (typeof pn !== 'string' || !pn) throw invalid('invalid request payload: posting_number is required');
    const p = fbs.find((x) => x.posting_number === pn);
    if (!p) throw new ApiError(404, 5, 'POSTING_NOT_FOUND');
    return { result: structuredClone(p) };
  }

  function setStocks(body: Obj): Obj {
    const list = body.stocks;
    if (!Array.isArray(list) || list.length === 0) throw invalid('invalid request payload: stocks: value must contain at least 1 item(s)');
    if (list.length > MAX_STOCK_LINES) throw invalid(`invalid request payload: stocks: value must contain at most ${MAX_STOCK_LINES} item(s)`);
    const now = clock();
    const result = list.map((line: Obj) => {
      const product = products.find((p) => (line.product_id !== undefined && Number(line.product_id) === p.product_id) || (line.offer_id !== undefined && String(line.offer_id) === p.offer_id));
      const out: Obj = { warehouse_id: Number(line.warehouse_id) || 0, product_id: product?.product_id ?? (Number(line.product_id) || 0), offer_id: product?.offer_id ?? String(line.offer_id ?? ''), updated: false, errors: [] };
      const err = (code: string, message: string) => (out.errors.push({ code, message }), out);
      if (!product) return err('NOT_FOUND', 'Product not found');
      if (!warehouses.some((w) => w.warehouse_id === Number(line.warehouse_id))) return err('WAREHOUSE_NOT_FOUND', 'Warehouse not found');
      const stock = Number(line.stock);
      if (!Number.isInteger(stock) || stock < 0) return err('INVALID_STOCK', 'Stock must be a non-negative integer');
      const key = `${out.warehouse_id}:${product.product_id}`;
      const before = stocks.get(key);
      if (before && before.stock === stock) return err('SKU_STOCK_NOT_CHANGE', 'Stock has not changed');
      if (before && now - before.at < STOCK_COOLDOWN_MS) return err('TOO_MANY_REQUESTS', 'Too many updates for this product and warehouse: wait 30 seconds');
      stocks.set(key, { stock, at: now });
      out.updated = true;
      return out;
    });
    return { result };
  }

  function ship(body: Obj): Obj {
    const pn = body.posting_number;
    if (typeof pn !== 'string' || !pn) throw invalid('invalid request payload: posting_number is required');
    const packages = body.packages;
    if (!Array.isArray(packages) || packages.length === 0) throw invalid('invalid request payload: packages: value must contain at least 1 item(s)');
    const p = fbs.find((x) => x.posting_number === pn);
    if (!p) throw new ApiError(404, 5, 'POSTING_NOT_FOUND');
    if (p.status !== 'awaiting_packaging') throw invalid(p.status === 'awaiting_deliver' ? 'POSTING_ALREADY_SHIPPED' : `INVALID_POSTING_STATUS: posting is in status ${p.status}`);
    // Every unit of the posting must be in exactly one package (by SKU).
    const want = new Map<number, number>();
    for (const l of p.products) want.set(Number(l.sku), (want.get(Number(l.sku)) ?? 0) + Number(l.quantity));
    const got = new Map<number, number>();
    for (const pack of packages) {
      if (!Array.isArray(pack?.products) || pack.products.length === 0) throw invalid('invalid request payload: packages.products: value must contain at least 1 item(s)');
      for (const l of pack.products) got.set(Number(l.product_id), (got.get(Number(l.product_id)) ?? 0) + Number(l.quantity));
    }
    const same = want.size === got.size && [...want].every(([sku, q]) => got.get(sku) === q);
    if (!same) throw invalid('PRODUCTS_MISMATCH: the packages must hold every product of the posting in its quantity');
    const now = clock();
    const numbers: string[] = [];
    packages.forEach((pack: Obj, k: number) => {
      const lines = pack.products.map((l: Obj) => ({ ...p.products.find((x: Obj) => Number(x.sku) === Number(l.product_id)), quantity: Number(l.quantity) }));
      if (k === 0) {
        p.products = lines;
        p.status = 'awaiting_deliver';
        p.substatus = 'posting_awaiting_passport_data';
        changedAt.set(p.posting_number, now);
        numbers.push(p.posting_number);
      } else {
        const part = { ...structuredClone(p), posting_number: `${p.order_number}-${k + 1}`, products: lines, parent_posting_number: p.posting_number };
        fbs.push(part);
        changedAt.set(part.posting_number, now);
        numbers.push(part.posting_number);
      }
    });
    fbs.sort(byTime);
    return { additional_data: [], result: numbers };
  }

  const routes: Record<string, (body: Obj) => Obj> = {
    '/v3/posting/fbs/list': fbsList,
    '/v2/posting/fbo/list': fboList,
    '/v3/posting/fbs/get': fbsGet,
    '/v2/products/stocks': setStocks,
    '/v4/posting/fbs/ship': ship,
    '/v1/warehouse/list': () => ({ result: structuredClone(warehouses) }),
  };

  function log(entry: LoggedRequest): void {
    requests.push(entry);
    if (requests.length > LOG_CAP) requests.splice(0, requests.length - LOG_CAP);
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 1_048_576) throw new ApiError(413, 3, 'request body is too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function send(res: ServerResponse, status: number, body: Obj, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const id = (Array.isArray(req.headers['client-id']) ? req.headers['client-id'][0] : req.headers['client-id']) || undefined;
    let body: Obj | undefined;
    let status = 200;
    try {
      const text = await readBody(req);
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          throw invalid('invalid request payload: the body is not valid JSON');
        }
      }
      const force = forced.shift();
      if (force) {
        throw new ApiError(force.status, force.status === 429 ? 8 : 13, force.status === 429 ? 'You have reached request rate limit per second' : 'internal error', force.retryAfter !== undefined ? { 'retry-after': String(force.retryAfter) } : {});
      }
      const who = authorize(req);
      if (overLimit(who)) {
        limited++;
        throw new ApiError(429, 8, 'You have reached request rate limit per second');
      }
      const route = routes[path];
      if (!route || req.method !== 'POST') throw new ApiError(404, 5, 'Not Found');
      if (!body || typeof body !== 'object' || Array.isArray(body)) body = {};
      const answer = route(body);
      send(res, 200, answer);
    } catch (error) {
      if (error instanceof ApiError) {
        status = error.status;
        send(res, error.status, { code: error.code, message: error.message, details: [] }, error.headers);
      } else {
        status = 500;
        send(res, 500, { code: 13, message: 'internal error', details: [] });
      }
    }
    log({ path, clientId: id, body, status, at: clock() });
  }

  const outage = createSandboxOutage();
  const server = createServer((req, res) => {
    if (!outage.handle(req, res)) void handle(req, res);
  });
  const port = await listen(server, opts.port ?? 0, host);
  const baseUrl = `http://${host}:${port}`;

  return {
    baseUrl,
    outage,
    credentials: { clientId, apiKey, url: baseUrl },
    state: { fbs, fbo, products, warehouses, stocks },
    requests,
    addPostings,
    setStatus,
    rejectNext(n, status = 429, retryAfterSeconds) {
      for (let i = 0; i < n; i++) forced.push({ status, retryAfter: retryAfterSeconds });
    },
    rateLimited: () => limited,
    stockOf(offerId, warehouseId) {
      const p = products.find((x) => x.offer_id === offerId);
      return p ? stocks.get(`${warehouseId}:${p.product_id}`)?.stock : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
