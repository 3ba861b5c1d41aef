// Typed client of WB's Marketplace API (marketplace-api.wildberries.ru) over ctx.http, which the
// engine rate-limits at the connector's `limits` (300 req/min per seller token). WB answers
// errors in two shapes: its gateway's problem details {title, detail, code, requestId, status}
// (401, 429, 402) and the methods' own {code, message, data} (400, 403, 404, 409 — the stocks
// method's 409 is a list of those). Both are read here. A 429 is retried a few times inside the
// call, waiting X-Ratelimit-Retry / Retry-After; when retries run out it is a TransientError the
// engine retries further.
import { PermanentError, TransientError, parseRetryAfter } from '../../connector-kit/errors.ts';
import { withRetry } from '../../connector-kit/retry.ts';
import type { AuthValues, ConnectorContext, HttpRequest, HttpResponse } from '../../connector-kit/types.ts';
import { isPlainObject } from '../../connector-kit/values.ts';
import { CURRENCIES, DEFAULT_BASE_URL } from './fields.ts';

type Obj = Record<string, unknown>;

/** /api/v3/orders answers at most this many days per call ("максимум 30 календарных дней"). */
export const MAX_WINDOW_DAYS = 30;
/**
 * The days one call asks for. One less than the limit: WB counts calendar days, and 30 × 24 h
 * starting mid-day touches 31 dates.
 */
export const CHUNK_DAYS = MAX_WINDOW_DAYS - 1;
export const MAX_PAGE = 1000;
/** POST /api/v3/orders/status and PUT /api/v3/stocks take at most this many entries a call. */
export const MAX_IDS_PER_CALL = 1000;
const DAY_S = 86_400;

/** The token as WB wants it: trimmed, without a pasted "Bearer " prefix. */
export function normalizeToken(raw: unknown): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  return text.replace(/^bearer\s+/i, '').trim();
}

export function baseUrlOf(auth: AuthValues): string {
  const raw = typeof auth.url === 'string' && auth.url.trim() ? auth.url.trim() : DEFAULT_BASE_URL;
  if (!/^https?:\/\//i.test(raw)) throw new PermanentError(`Адрес API Wildberries «${raw}» должен начинаться с https:// / The WB API URL must start with https://`);
  return raw.replace(/\/+$/, '');
}

// ---------- money ----------

const units = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) / 100 : undefined);
const currencyOf = (code: unknown): string | null => (typeof code === 'number' ? (CURRENCIES[code] ?? null) : null);

/**
 * The order with WB's ×100 integers kept as they came and their values in currency units beside
 * them (`priceRub` = price ÷ 100 in the sale currency, `convertedPriceRub` in the seller's), and
 * the ISO 4217 numeric codes as letter codes (`currency`, `convertedCurrency`).
 */
export function withMoney(order: Obj): Obj {
  const out: Obj = { ...order };
  const pairs: Array<[string, string]> = [
    ['price', 'priceRub'],
    ['convertedPrice', 'convertedPriceRub'],
    ['finalPrice', 'finalPriceRub'],
    ['convertedFinalPrice', 'convertedFinalPriceRub'],
  ];
  for (const [raw, converted] of pairs) {
    const value = units(order[raw]);
    if (value !== undefined) out[converted] = value;
  }
  out.currency = currencyOf(order.currencyCode);
  if (order.convertedCurrencyCode !== undefined) out.convertedCurrency = currencyOf(order.convertedCurrencyCode);
  return out;
}

// ---------- windows ----------

export interface Window {
  /** Unix seconds, inclusive. */
  from: number;
  to: number;
}

/** [from, to] cut into consecutive windows of at most `days` days, oldest first. */
export function splitWindow(from: number, to: number, days = CHUNK_DAYS): Window[] {
  const out: Window[] = [];
  const span = days * DAY_S;
  for (let start = from; start < to; start += span) out.push({ from: start, to: Math.min(to, start + span) });
  if (out.length === 0) out.push({ from, to: Math.max(from, to) });
  return out;
}

export const unixSeconds = (d: Date | number): number => Math.floor((typeof d === 'number' ? d : d.getTime()) / 1000);

// ---------- errors ----------

/** WB's own words from an error body: detail/title of problem details, message/code of method errors. */
export function wbMessage(res: HttpResponse): string | undefined {
  const body = res.json;
  const one = (b: unknown): string | undefined => {
    if (!isPlainObject(b)) return undefined;
    const parts: string[] = [];
    const text = [b.detail, b.message, b.title].find((v) => typeof v === 'string' && v.trim());
    if (typeof b.code === 'string' && b.code && !b.title) parts.push(b.code);
    if (typeof text === 'string') parts.push(text.trim());
    else if (typeof b.title === 'string') parts.push(b.title);
    const skus = Array.isArray(b.data) ? b.data.map((d) => (isPlainObject(d) ? (d.sku ?? d.chrtId) : undefined)).filter((s) => s !== undefined && s !== '') : [];
    if (skus.length) parts.push(`(${skus.slice(0, 20).join(', ')}${skus.length > 20 ? ', …' : ''})`);
    if (typeof b.requestId === 'string' && b.requestId) parts.push(`[requestId ${b.requestId}]`);
    return parts.length ? parts.join(': ').replace(/: \(/, ' (').replace(/: \[/, ' [') : undefined;
  };
  if (Array.isArray(body)) {
    const all = body.map(one).filter((s): s is string => !!s);
    if (all.length) return all.join('; ');
  }
  const single = one(body);
  if (single) return single;
  const text = res.text.trim();
  return text ? text.slice(0, 300) : undefined;
}

/** How long WB asks to wait: X-Ratelimit-Retry (seconds), else Retry-After. */
export function retryAfterMs(res: HttpResponse): number | undefined {
  const wb = parseRetryAfter(res.headers['x-ratelimit-retry']);
  return wb ?? parseRetryAfter(res.headers['retry-after']);
}

export const BAD_TOKEN =
  'Wildberries отклонил токен API (HTTP 401): токен неверный, истёк или у него нет категории «Маркетплейс». Создайте токен в ЛК WB → Настройки → Доступ к API / ' +
  'WB rejected the API token (401): it is wrong, expired or lacks the Marketplace category';

class RateLimited extends TransientError {}

/** Classifies a non-2xx answer: 401/403 say what to fix, 429/5xx are transient, other 4xx permanent with WB's message. */
export function throwForWb(res: HttpResponse, what: string): void {
  if (res.status < 400) return;
  const msg = wbMessage(res);
  const said = msg ? ` — ${msg}` : '';
  if (res.status === 401) throw new PermanentError(`${BAD_TOKEN}${said}`, { status: 401 });
  if (res.status === 403) {
    throw new PermanentError(`Wildberries: доступ запрещён (HTTP 403) при запросе «${what}»: у токена нет нужной категории или прав на запись${said} / Access denied`, { status: 403 });
  }
  if (res.status === 402) throw new PermanentError(`Wildberries: требуется оплата (HTTP 402)${said}`, { status: 402 });
  if (res.status === 429) {
    throw new RateLimited(`Wildberries: слишком много запросов (HTTP 429) при запросе «${what}»${said} / Too many requests`, { status: 429, retryAfterMs: retryAfterMs(res) });
  }
  if (res.status >= 500 || res.status === 408) {
    throw new TransientError(`Wildberries: ошибка сервера HTTP ${res.status} при запросе «${what}»${said}`, { status: res.status, retryAfterMs: retryAfterMs(res) });
  }
  throw new PermanentError(`Wildberries отклонил запрос «${what}» (HTTP ${res.status})${said}`, { status: res.status });
}

// ---------- client ----------

export interface OrdersPage {
  orders: Obj[];
  next: number | undefined;
}

export interface StatusRow {
  id: number;
  supplierStatus: string;
  wbStatus: string;
}

export interface StockLine {
  sku?: string;
  chrtId?: number;
  amount: number;
}

export interface ClientOptions {
  /** Attempts after a 429 (or a network error) inside one call, before the error goes up. */
  retries?: number;
  /** Wait before a retry when WB names none. */
  backoffMs?: number;
}

export class WildberriesClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly retries: number;
  private readonly backoffMs: number;
  /** Requests sent (for a poll's accounting in tests and logs). */
  sent = 0;

  private readonly ctx: ConnectorContext;

  constructor(ctx: ConnectorContext, opts: ClientOptions = {}) {
    this.ctx = ctx;
    this.token = normalizeToken(ctx.auth.token);
    if (!this.token) throw new PermanentError('Не указан токен API Wildberries / The WB API token is missing');
    this.baseUrl = baseUrlOf(ctx.auth);
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 1000;
  }

  /** One request; 429 and network errors retried (honouring X-Ratelimit-Retry), then classified. */
  async send(req: Omit<HttpRequest, 'url'> & { path: string }, what: string): Promise<HttpResponse> {
    const { path, ...rest } = req;
    const signal = this.ctx.signal;
    return withRetry(
      async () => {
        if (signal.aborted) throw new TransientError(`Wildberries: запрос «${what}» прерван`, { cause: signal.reason });
        this.sent++;
        const res = await this.ctx.http.request({ ...rest, url: `${this.baseUrl}${path}`, headers: { ...rest.headers, Authorization: this.token, Accept: 'application/json' } });
        throwForWb(res, what);
        return res;
      },
      {
        retries: this.retries,
        retryable: (error) => error instanceof TransientError && !signal.aborted && (error instanceof RateLimited || error.status === undefined),
        backoffMs: (attempt) => this.backoffMs * 2 ** attempt,
        signal,
        abortError: (reason) => new TransientError('Wildberries: запрос прерван', { cause: reason }),
      },
    );
  }

  /** GET /api/v3/orders: one page of assembly tasks created in [from, to] (unix s, ≤ 30 days). */
  async ordersPage(window: Window, next: number, limit = MAX_PAGE): Promise<OrdersPage> {
    const res = await this.send({ method: 'GET', path: '/api/v3/orders', query: { limit, next, dateFrom: window.from, dateTo: window.to } }, 'сборочные задания за период');
    const body = res.json;
    if (!isPlainObject(body) || !Array.isArray(body.orders)) throw new PermanentError('Wildberries: неожиданный ответ /api/v3/orders (нет orders)');
    const n = Number(body.next);
    return { orders: body.orders.filter(isPlainObject), next: Number.isFinite(n) ? n : undefined };
  }

  /** GET /api/v3/orders/new: every new assembly task at the moment of the request. */
  async newOrders(): Promise<Obj[]> {
    const res = await this.send({ method: 'GET', path: '/api/v3/orders/new' }, 'новые сборочные задания');
    const body = res.json;
    if (!isPlainObject(body) || !Array.isArray(body.orders)) throw new PermanentError('Wildberries: неожиданный ответ /api/v3/orders/new (нет orders)');
    return body.orders.filter(isPlainObject);
  }

  /** POST /api/v3/orders/status for any number of ids, 1,000 per call. Unknown ids are absent from the answer. */
  async statuses(ids: number[]): Promise<StatusRow[]> {
    const out: StatusRow[] = [];
    for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
      const res = await this.send({ method: 'POST', path: '/api/v3/orders/status', json: { orders: ids.slice(i, i + MAX_IDS_PER_CALL) } }, 'статусы сборочных заданий');
      const body = res.json;
      if (!isPlainObject(body) || !Array.isArray(body.orders)) throw new PermanentError('Wildberries: неожиданный ответ /api/v3/orders/status (нет orders)');
      for (const row of body.orders) {
        if (!isPlainObject(row)) continue;
        const id = Number(row.id);
        if (!Number.isFinite(id)) continue;
        out.push({ id, supplierStatus: String(row.supplierStatus ?? ''), wbStatus: String(row.wbStatus ?? '') });
      }
    }
    return out;
  }

  /** PUT /api/v3/stocks/{warehouseId}, 1,000 lines a call. Returns the number of calls. */
  async setStocks(warehouseId: number, lines: StockLine[]): Promise<number> {
    let calls = 0;
    for (let i = 0; i < lines.length; i += MAX_IDS_PER_CALL) {
      await this.send({ method: 'PUT', path: `/api/v3/stocks/${encodeURIComponent(String(warehouseId))}`, json: { stocks: lines.slice(i, i + MAX_IDS_PER_CALL) } }, `остатки склада ${warehouseId}`);
      calls++;
    }
    return calls;
  }

  /** GET /api/v3/warehouses: the seller's warehouses (the connection test). */
  async warehouses(): Promise<Obj[]> {
    const res = await this.send({ method: 'GET', path: '/api/v3/warehouses' }, 'склады продавца');
    return Array.isArray(res.json) ? res.json.filter(isPlainObject) : [];
  }
}
