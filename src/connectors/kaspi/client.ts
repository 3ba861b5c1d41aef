// Kaspi shop API v2 client over ctx.http (rate-limited by the connector's `limits`, metered).
// JSON:API both ways: `X-Auth-Token`, `application/vnd.api+json`, errors as
// `{"errors":[{status,title,detail}]}`. Kaspi documents no rate limit: a 429 or 5xx is retried a
// few times here (honouring Retry-After), then surfaces as a TransientError for the engine.
import { NotFoundError, PermanentError, TransientError, parseRetryAfter } from '../../connector-kit/errors.ts';
import { withRetry } from '../../connector-kit/retry.ts';
import type { ConnectorContext, HttpRequest, HttpResponse } from '../../connector-kit/types.ts';
import { isPlainObject } from '../../connector-kit/values.ts';
import { DEFAULT_BASE_URL, type OrderState } from './fields.ts';

type Obj = Record<string, unknown>;

/** Kaspi refuses a creationDate window longer than this in one call. */
export const MAX_WINDOW_MS = 14 * 86_400_000;
/** Kaspi's largest page. */
export const MAX_PAGE_SIZE = 100;
const MEDIA_TYPE = 'application/vnd.api+json';

/** A flattened order: `id` plus the attributes, prices as numbers, dates also as ISO text. */
export type KaspiOrder = Obj & { id: string; creationDate: number; state: string; status: string };

export interface OrdersPage {
  orders: KaspiOrder[];
  /** Pages in all (meta.pageCount); undefined when Kaspi did not say. */
  pageCount: number | undefined;
  totalCount: number | undefined;
}

export interface ListQuery {
  state: OrderState;
  /** creationDate bounds, epoch ms, inclusive. */
  from: number;
  to: number;
  page: number;
  size: number;
}

/** Splits [from, to] (inclusive ms) into consecutive windows Kaspi accepts, oldest first. */
export function splitWindow(from: number, to: number, maxMs = MAX_WINDOW_MS): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  for (let start = from; start <= to; ) {
    const end = Math.min(to, start + maxMs - 1);
    out.push({ from: start, to: end });
    start = end + 1;
  }
  return out;
}

function num(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v;
}

function iso(ms: unknown): string | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Resources of `included`, by `type/id`. */
function includedIndex(included: unknown): Map<string, Obj> {
  const map = new Map<string, Obj>();
  if (Array.isArray(included)) for (const r of included) if (isPlainObject(r)) map.set(`${String(r.type)}/${String(r.id)}`, r);
  return map;
}

/** The related resource's attributes when the answer included it (`relationships.<name>.data`). */
function related(resource: Obj, name: string, index: Map<string, Obj>): Obj | undefined {
  const rel = (resource.relationships as Obj | undefined)?.[name] as Obj | undefined;
  const data = rel?.data as Obj | undefined;
  if (!isPlainObject(data)) return undefined;
  const found = index.get(`${String(data.type)}/${String(data.id)}`);
  return found ? { id: String(found.id), ...(found.attributes as Obj | undefined) } : undefined;
}

/** A JSON:API `orders` resource → the flat order the triggers deliver. */
export function flattenOrder(resource: Obj, included?: unknown): KaspiOrder {
  const a = (isPlainObject(resource.attributes) ? resource.attributes : {}) as Obj;
  const index = includedIndex(included);
  const out: Obj = { id: String(resource.id), ...a };
  if (a.code !== undefined && a.code !== null) out.code = String(a.code);
  for (const k of ['totalPrice', 'creationDate', 'plannedDeliveryDate', 'deliveryCostForSeller', 'deliveryCost', 'creditTerm', 'approvedByBankDate']) {
    if (k in a) out[k] = num(a[k]);
  }
  out.creationDateIso = iso(out.creationDate);
  if (out.plannedDeliveryDate !== undefined && out.plannedDeliveryDate !== null) out.plannedDeliveryDateIso = iso(out.plannedDeliveryDate);
  // The customer is an attribute in the documented answer; some accounts send it as a related `user`.
  const customer = isPlainObject(a.customer) ? a.customer : (related(resource, 'user', index) ?? related(resource, 'customer', index));
  if (customer) {
    const c: Obj = { ...customer };
    if (c.id !== undefined && c.id !== null) c.id = String(c.id);
    if (c.cellPhone !== undefined && c.cellPhone !== null) c.cellPhone = String(c.cellPhone);
    if (c.name === undefined && (c.firstName || c.lastName)) c.name = [c.firstName, c.lastName].filter(Boolean).join(' ');
    out.customer = c;
  }
  if (isPlainObject(a.deliveryAddress)) {
    const d: Obj = { ...a.deliveryAddress };
    for (const k of ['latitude', 'longitude']) if (k in d) d[k] = num(d[k]);
    out.deliveryAddress = d;
  }
  out.state = String(a.state ?? '');
  out.status = String(a.status ?? '');
  return out as KaspiOrder;
}

/** A JSON:API entry resource → `{id, quantity, basePrice, totalPrice, offer{code,name}, …}`. */
export function flattenEntry(resource: Obj, included?: unknown): Obj {
  const a = (isPlainObject(resource.attributes) ? resource.attributes : {}) as Obj;
  const out: Obj = { id: String(resource.id), ...a };
  for (const k of ['quantity', 'basePrice', 'totalPrice', 'deliveryCost', 'weight', 'entryNumber']) if (k in a) out[k] = num(a[k]);
  // The offer is an attribute in the documented answer; otherwise take the related product's code and name.
  if (!isPlainObject(a.offer)) {
    const index = includedIndex(included);
    const product = related(resource, 'product', index) ?? related(resource, 'merchantProduct', index);
    if (product) out.offer = { code: product.code === undefined ? undefined : String(product.code), name: product.name };
  }
  return out;
}

/** Kaspi's own words from a JSON:API error answer (or any text it sent). */
export function errorText(res: HttpResponse): string | undefined {
  const body = res.json as Obj | undefined;
  if (isPlainObject(body)) {
    if (Array.isArray(body.errors) && body.errors.length) {
      const parts = body.errors.map((e) => {
        if (!isPlainObject(e)) return String(e);
        const title = typeof e.title === 'string' ? e.title : '';
        const detail = typeof e.detail === 'string' ? e.detail : '';
        return title && detail && title !== detail ? `${title}: ${detail}` : title || detail || JSON.stringify(e);
      });
      return parts.join('; ');
    }
    for (const k of ['message', 'error', 'detail', 'title']) if (typeof body[k] === 'string' && body[k]) return body[k] as string;
  }
  const text = res.text.trim();
  return text && !text.startsWith('<') ? text.slice(0, 300) : undefined;
}

/** Rejections of the token, in the user's words (the connection test and every poll say the same). */
export function tokenRejected(status: number, detail: string | undefined): string {
  return `Kaspi отклонил токен API (HTTP ${status}${detail ? `: ${detail}` : ''}): проверьте заголовок X-Auth-Token — токен в подключении (кабинет продавца Kaspi → Настройки → Токен API) / Kaspi rejected the API token: check X-Auth-Token, the token in the connection`;
}

class Busy extends TransientError {}

export class KaspiClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly ctx: ConnectorContext;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(ctx: ConnectorContext, opts: { retries?: number; backoffMs?: number } = {}) {
    this.ctx = ctx;
    const token = typeof ctx.auth.token === 'string' ? ctx.auth.token.trim() : '';
    if (!token) throw new PermanentError('Не указан токен API Kaspi (X-Auth-Token) в подключении / The Kaspi API token (X-Auth-Token) is missing');
    this.token = token;
    const url = typeof ctx.auth.url === 'string' && ctx.auth.url.trim() ? ctx.auth.url.trim() : DEFAULT_BASE_URL;
    this.baseUrl = url.replace(/\/+$/, '');
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 1000;
  }

  /** One GET with retries on 429/5xx/network errors; other failures classified with Kaspi's message. */
  async get(path: string, query: HttpRequest['query'], what: string): Promise<HttpResponse> {
    const signal = this.ctx.signal;
    const req: HttpRequest = { method: 'GET', url: `${this.baseUrl}${path}`, query, headers: { 'X-Auth-Token': this.token, Accept: MEDIA_TYPE, 'Content-Type': MEDIA_TYPE } };
    const res = await withRetry(
      async () => {
        const r = await this.ctx.http.request(req);
        if (r.status === 429 || r.status >= 500 || r.status === 408) {
          const detail = errorText(r);
          const why = r.status === 429 ? 'превышен лимит запросов / rate limited' : 'ошибка сервера / server error';
          throw new Busy(`Kaspi: ${why} (HTTP ${r.status}${detail ? `: ${detail}` : ''}) — ${what}`, { status: r.status, retryAfterMs: parseRetryAfter(r.headers['retry-after']) });
        }
        return r;
      },
      {
        retries: this.retries,
        retryable: (e) => e instanceof TransientError && !signal.aborted,
        backoffMs: (n) => this.backoffMs * 2 ** n,
        signal,
        abortError: (reason) => new TransientError(`Kaspi: запрос прерван — ${what}`, { cause: reason }),
      },
    );
    const detail = errorText(res);
    if (res.status === 401 || res.status === 403) throw new PermanentError(tokenRejected(res.status, detail), { status: res.status });
    if (res.status === 404) throw new PermanentError(`Kaspi: не найдено (HTTP 404${detail ? `: ${detail}` : ''}) — ${what}`, { status: 404 });
    if (res.status >= 400) throw new PermanentError(`Kaspi отклонил запрос (HTTP ${res.status}${detail ? `: ${detail}` : ''}) — ${what}`, { status: res.status });
    if (!isPlainObject(res.json)) {
      throw new PermanentError(`Kaspi: ответ не JSON:API (HTTP ${res.status}) — ${what}; проверьте адрес API в подключении / not a JSON:API answer: check the API URL`, { status: res.status });
    }
    return res;
  }

  /** GET /orders: one page of one state within one creationDate window (≤ 14 days). */
  async listOrders(q: ListQuery): Promise<OrdersPage> {
    if (q.to - q.from >= MAX_WINDOW_MS) throw new Error(`Kaspi window longer than 14 days: ${q.from}..${q.to}`);
    const res = await this.get(
      '/orders',
      {
        'page[number]': q.page,
        'page[size]': Math.min(q.size, MAX_PAGE_SIZE),
        'filter[orders][state]': q.state,
        'filter[orders][creationDate][$ge]': q.from,
        'filter[orders][creationDate][$le]': q.to,
      },
      `заказы ${q.state}, страница ${q.page}`,
    );
    const body = res.json as Obj;
    const data = Array.isArray(body.data) ? (body.data as unknown[]) : [];
    const meta = (isPlainObject(body.meta) ? body.meta : {}) as Obj;
    const pageCount = Number(meta.pageCount);
    const totalCount = Number(meta.totalCount);
    return {
      orders: data.filter(isPlainObject).map((r) => flattenOrder(r, body.included)),
      pageCount: Number.isFinite(pageCount) ? pageCount : undefined,
      totalCount: Number.isFinite(totalCount) ? totalCount : undefined,
    };
  }

  /** GET /orders/{id}; NotFoundError when Kaspi has no such order. */
  async getOrder(id: string): Promise<KaspiOrder> {
    let res: HttpResponse;
    try {
      res = await this.get(`/orders/${encodeURIComponent(id)}`, undefined, `заказ ${id}`);
    } catch (error) {
      if (error instanceof PermanentError && error.status === 404) throw new NotFoundError(`Заказ Kaspi ${id} не найден / Kaspi order ${id} not found`);
      throw error;
    }
    const body = res.json as Obj;
    const data = Array.isArray(body.data) ? body.data[0] : body.data;
    if (!isPlainObject(data)) throw new NotFoundError(`Заказ Kaspi ${id} не найден / Kaspi order ${id} not found`);
    return flattenOrder(data, body.included);
  }

  /** GET /orders?filter[orders][code]=…: the order with this number, or NotFoundError. */
  async findByCode(code: string): Promise<KaspiOrder> {
    const res = await this.get('/orders', { 'page[number]': 0, 'page[size]': 1, 'filter[orders][code]': code }, `заказ № ${code}`);
    const body = res.json as Obj;
    const first = Array.isArray(body.data) ? body.data.find(isPlainObject) : undefined;
    if (!first) throw new NotFoundError(`Заказ Kaspi № ${code} не найден / Kaspi order ${code} not found`);
    return flattenOrder(first, body.included);
  }

  /** GET /orders/{id}/entries, every page (an order has few; bounded anyway). */
  async getEntries(id: string): Promise<Obj[]> {
    const out: Obj[] = [];
    for (let page = 0; page < 10; page++) {
      let res: HttpResponse;
      try {
        res = await this.get(`/orders/${encodeURIComponent(id)}/entries`, { 'page[number]': page, 'page[size]': MAX_PAGE_SIZE }, `позиции заказа ${id}`);
      } catch (error) {
        // The order left the account between the listing and this call: it has no entries to give.
        if (error instanceof PermanentError && error.status === 404) return out;
        throw error;
      }
      const body = res.json as Obj;
      const data = Array.isArray(body.data) ? (body.data as unknown[]).filter(isPlainObject) : [];
      out.push(...data.map((r) => flattenEntry(r, body.included)));
      const pageCount = Number((body.meta as Obj | undefined)?.pageCount);
      const more = Number.isFinite(pageCount) ? page + 1 < pageCount : data.length >= MAX_PAGE_SIZE;
      if (!more || data.length === 0) break;
    }
    return out;
  }

  /** The order with its entries, as the triggers and `order.get` deliver it. */
  async withEntries(order: KaspiOrder): Promise<KaspiOrder> {
    const entries = await this.getEntries(order.id);
    return { ...order, entriesCount: entries.length, entries };
  }
}
