// A typed RetailCRM API v5 client over ctx.http: the one place for the X-API-KEY header, form
// encoding (nested entities are one form field holding JSON), envelope parsing, status codes,
// 503/429 back-off and pagination. Every request it sends is one metered transaction.
import { formatDate, localWallClock } from '../../connector-kit/dates.ts';
import { PermanentError, TransientError, parseRetryAfter } from '../../connector-kit/errors.ts';
import { withRetry } from '../../connector-kit/retry.ts';
import { isPlainObject } from '../../connector-kit/values.ts';
import type { ConnectorContext, ConnectorHttp, HttpResponse } from '../../connector-kit/types.ts';

export type Query = Record<string, string | number | boolean | undefined | null | ReadonlyArray<string | number>>;
export type Form = Record<string, unknown>;

/** `Y-m-d H:i:s` in local time, as RetailCRM writes date-times. */
export function crmDateTime(d = new Date()): string {
  return String(formatDate({ wall: localWallClock(d), offset: null }, 'Y-m-d H:i:s'));
}

export interface Pagination {
  limit: number;
  totalCount: number;
  currentPage: number;
  totalPageCount: number;
}

export interface Envelope {
  success: boolean;
  [key: string]: unknown;
}

export interface RetailcrmClientOptions {
  /** Extra attempts on 503/429 inside one step attempt (the engine retries further). Default 2. */
  busyRetries?: number;
  /** First back-off on 503/429 without Retry-After, ms (doubles each time, ±20 % jitter). Default 500: RetailCRM counts per second. */
  busyBackoffMs?: number;
}

/** `https://shop.retailcrm.ru/` or `shop.retailcrm.ru/api/v5` → `https://shop.retailcrm.ru`. */
export function normalizeAccountUrl(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.trim()) throw new PermanentError('Не указан адрес аккаунта RetailCRM (например https://myshop.retailcrm.ru)');
  let value = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) value = `https://${value}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PermanentError(`Адрес аккаунта RetailCRM «${raw}» некорректен: укажите адрес вида https://myshop.retailcrm.ru`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentError('Адрес аккаунта RetailCRM должен начинаться с https://');
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api(\/v\d+)?$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** `errorMsg` plus the `errors` map or list, as one readable line naming the fields. */
export function describeError(body: unknown, status: number): string {
  if (!body || typeof body !== 'object') return `HTTP ${status}`;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  const errors = b.errors;
  if (Array.isArray(errors)) {
    for (const e of errors) parts.push(String(e));
  } else if (errors && typeof errors === 'object') {
    for (const [field, e] of Object.entries(errors as Record<string, unknown>)) {
      parts.push(`${field}: ${typeof e === 'string' ? e : JSON.stringify(e)}`);
    }
  }
  const msg = typeof b.errorMsg === 'string' && b.errorMsg ? b.errorMsg : `HTTP ${status}`;
  return parts.length ? `${msg} (${parts.join('; ')})` : msg;
}

function encodeQuery(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      for (const v of value) params.append(`${key}[]`, String(v));
    } else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Nested entities become one field holding JSON; scalars stay plain. */
export function encodeForm(form: Form): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) {
    if (value === undefined || value === null || value === '') continue;
    out[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

export class RetailcrmClient {
  readonly baseUrl: string;
  readonly site: string | undefined;
  private readonly apiKey: string;
  private readonly http: ConnectorHttp;
  private readonly signal: AbortSignal | undefined;
  private readonly busyRetries: number;
  private readonly busyBackoffMs: number;

  constructor(ctx: Pick<ConnectorContext, 'auth' | 'http'> & { signal?: AbortSignal }, opts: RetailcrmClientOptions = {}) {
    this.baseUrl = normalizeAccountUrl(ctx.auth.url);
    const key = ctx.auth.apiKey;
    if (typeof key !== 'string' || !key.trim()) throw new PermanentError('Не указан API-ключ RetailCRM');
    this.apiKey = key.trim();
    const site = ctx.auth.site;
    this.site = typeof site === 'string' && site.trim() ? site.trim() : undefined;
    this.http = ctx.http;
    this.signal = ctx.signal;
    this.busyRetries = opts.busyRetries ?? 2;
    this.busyBackoffMs = opts.busyBackoffMs ?? 500;
  }

  get(path: string, query?: Query): Promise<Envelope> {
    return this.call('GET', path, query, undefined);
  }

  post(path: string, form: Form, query?: Query): Promise<Envelope> {
    return this.call('POST', path, query, form);
  }

  /** Sends one request (plus back-off retries on 503/429) and returns the parsed success envelope. */
  async call(method: 'GET' | 'POST', path: string, query: Query | undefined, form: Form | undefined): Promise<Envelope> {
    const url = `${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}${encodeQuery(query)}`;
    return withRetry(
      async () => {
        const res = await this.http.request({
          method,
          url,
          headers: { 'X-API-KEY': this.apiKey, accept: 'application/json' },
          ...(form ? { form: encodeForm(form) } : {}),
        });
        return this.parse(res, `${method} ${path}`);
      },
      {
        retries: this.busyRetries,
        retryable: (error) => error instanceof TransientError && (error.status === 503 || error.status === 429),
        backoffMs: (attempt) => Math.round(this.busyBackoffMs * 2 ** attempt * (0.8 + Math.random() * 0.4)),
        signal: this.signal,
      },
    );
  }

  private parse(res: HttpResponse, what: string): Envelope {
    const body = res.json as Record<string, unknown> | undefined;
    const isEnvelope = isPlainObject(body) && 'success' in body;
    const status = res.status;
    if (status === 503 || status === 429 || status === 460 || status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      const reason =
        status === 503 || status === 429
          ? `RetailCRM: превышен лимит запросов (HTTP ${status}${isEnvelope && body.errorMsg ? `: ${String(body.errorMsg)}` : ''})`
          : `RetailCRM: ${isEnvelope ? describeError(body, status) : `HTTP ${status}`}`;
      throw new TransientError(`${reason} — ${what}`, { status, retryAfterMs });
    }
    if (!isEnvelope) {
      throw new PermanentError(
        `RetailCRM: ответ на ${what} — не ответ API (HTTP ${status}); проверьте адрес аккаунта ${this.baseUrl}`,
        { status },
      );
    }
    if (status >= 400 || body.success !== true) {
      throw new PermanentError(`RetailCRM: ${describeError(body, status)}`, { status });
    }
    return body as Envelope;
  }

  /**
   * Every item of a paginated list (`key` is `orders`, `packs`, `products`, …), page by page, each
   * page one request; stops after `maxPages`.
   */
  async *paginate<T = Record<string, unknown>>(path: string, key: string, query: Query = {}, opts: { limit?: number; maxPages?: number } = {}): AsyncGenerator<T> {
    const limit = opts.limit ?? 100;
    const maxPages = opts.maxPages ?? 1000;
    for (let page = 1; page <= maxPages; page++) {
      const env = await this.get(path, { ...query, limit, page });
      const items = (env[key] ?? []) as T[];
      for (const item of items) yield item;
      const p = env.pagination as Pagination | undefined;
      if (!p || p.currentPage >= p.totalPageCount || items.length === 0) return;
    }
  }

  // --- typed methods -------------------------------------------------------------------------

  siteOr(site: unknown): string | undefined {
    return typeof site === 'string' && site.trim() ? site.trim() : this.site;
  }

  /** Older accounts list the key's methods in `credentials`; newer ones its `scopes` (or both). */
  credentials(): Promise<Envelope & { credentials?: string[]; scopes?: string[]; sitesAvailable?: string[]; siteAccess?: string }> {
    return this.get('/api/credentials');
  }

  async getOrder(id: string | number, by: 'id' | 'externalId' = 'id', site?: string): Promise<Record<string, unknown>> {
    const env = await this.get(`/api/v5/orders/${encodeURIComponent(String(id))}`, { by, site: this.siteOr(site) });
    return env.order as Record<string, unknown>;
  }

  createOrder(order: Record<string, unknown>, site?: string): Promise<Envelope> {
    return this.post('/api/v5/orders/create', { site: this.siteOr(site), order });
  }

  editOrder(id: string | number, order: Record<string, unknown>, by: 'id' | 'externalId' = 'id', site?: string): Promise<Envelope> {
    return this.post(`/api/v5/orders/${encodeURIComponent(String(id))}/edit`, { by, site: this.siteOr(site), order });
  }

  listOrders(filter: Query, opts: { limit?: number; page?: number } = {}): Promise<Envelope> {
    const query: Query = { limit: opts.limit ?? 20, page: opts.page ?? 1 };
    for (const [k, v] of Object.entries(filter)) query[`filter[${k}]`] = v;
    return this.get('/api/v5/orders', query);
  }

  ordersHistory(sinceId: number | undefined, opts: { limit?: number; page?: number; startDate?: string } = {}): Promise<Envelope> {
    return this.get('/api/v5/orders/history', {
      'filter[sinceId]': sinceId,
      'filter[startDate]': opts.startDate,
      limit: opts.limit ?? 100,
      page: opts.page,
    });
  }

  createCustomerNote(note: Record<string, unknown>, site?: string): Promise<Envelope> {
    return this.post('/api/v5/customers/notes/create', { site: this.siteOr(site), note });
  }

  products(filter: Query, limit = 20): Promise<Envelope> {
    const query: Query = { limit };
    for (const [k, v] of Object.entries(filter)) query[`filter[${k}]`] = v;
    return this.get('/api/v5/store/products', query);
  }

  /** GET store/inventories: offers (id, externalId, xmlId, quantity…) filtered exactly, e.g. by `offerArticle`. */
  inventories(filter: Query, limit = 20): Promise<Envelope> {
    const query: Query = { limit };
    for (const [k, v] of Object.entries(filter)) query[`filter[${k}]`] = v;
    return this.get('/api/v5/store/inventories', query);
  }

  stores(): Promise<Envelope> {
    return this.get('/api/v5/reference/stores');
  }
}
