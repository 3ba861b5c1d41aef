// Typed Ozon Seller API client over ctx.http (rate-limited per Client-Id by the connector's
// `limits`). Every method is POST with a JSON body and the Client-Id / Api-Key headers; errors come
// as `{code, message, details}` with gRPC-style codes (3 invalid argument, 5 not found, 7 permission
// denied, 8 rate limit, 16 unauthenticated). A 429 is retried here a few times (honouring
// Retry-After when Ozon sends one) and then surfaces as TransientError for the engine to retry.
import { NotFoundError, PermanentError, TransientError, parseRetryAfter } from '../../connector-kit/errors.ts';
import { withRetry } from '../../connector-kit/retry.ts';
import type { ConnectorContext, HttpResponse } from '../../connector-kit/types.ts';
import { DEFAULT_BASE_URL } from './fields.ts';

export type Obj = Record<string, unknown>;

/** Ozon's page size limit for posting lists. */
export const MAX_LIMIT = 1000;
/** Ozon refuses a list period longer than a year. */
export const MAX_PERIOD_DAYS = 365;
/** /v2/products/stocks takes at most this many lines a request. */
export const MAX_STOCK_LINES = 100;

export function normalizeBaseUrl(raw: unknown): string {
  const value = typeof raw === 'string' && raw.trim() ? raw.trim() : DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
  } catch {
    throw new PermanentError(`Адрес API Ozon «${value}» некорректен: оставьте ${DEFAULT_BASE_URL} / Ozon API URL is malformed`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentError(`Адрес API Ozon должен начинаться с https:// / Ozon API URL must start with https://`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Client-Id is the seller account's number: checked here so a typo is named before any call. */
export function clientIdOf(auth: Obj | Readonly<Record<string, unknown>>): string {
  const raw = auth.clientId;
  const id = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!id) throw new PermanentError('Ozon: не указан Client ID (заголовок Client-Id) / Ozon Client ID (Client-Id header) is missing');
  if (!/^\d+$/.test(id)) throw new PermanentError(`Ozon: Client ID «${id}» должен быть числом — возьмите его в кабинете Ozon → Настройки → Seller API (заголовок Client-Id) / Client ID must be a number`);
  return id;
}

/** Ozon's `{code, message, details}` as one line. */
export function ozonMessage(res: HttpResponse): string | undefined {
  const body = res.json as Obj | undefined;
  if (!body || typeof body !== 'object') {
    const text = res.text.trim().slice(0, 200);
    return text || undefined;
  }
  const message = typeof body.message === 'string' ? body.message : typeof body.error === 'object' && body.error ? String((body.error as Obj).message ?? '') : '';
  const details = Array.isArray(body.details)
    ? body.details.map((d) => (d && typeof d === 'object' ? String((d as Obj).value ?? (d as Obj).message ?? '') : String(d))).filter(Boolean)
    : [];
  const code = body.code !== undefined ? ` (code ${String(body.code)})` : '';
  return message ? `${message}${code}${details.length ? `: ${details.join('; ')}` : ''}` : undefined;
}

/**
 * A refused key in the user's words, naming the header at fault. Ozon answers 401 code 16 when a
 * header is missing, 403 code 7 "Invalid Api-Key, please contact support" when the key does not
 * belong to the Client-Id (Ozon does not say which of the two is wrong, so both are named),
 * "Api-key is deactivated" / "Company is blocked" otherwise.
 */
export function authProblem(res: HttpResponse, clientId: string): string {
  const msg = ozonMessage(res) ?? `HTTP ${res.status}`;
  const lower = msg.toLowerCase();
  if (res.status === 401) {
    return `Ozon не получил ключи: заголовки Client-Id и Api-Key обязательны (${msg}). Укажите Client ID и API-ключ в подключении / Ozon requires the Client-Id and Api-Key headers`;
  }
  if (/deactivat|expired|revoked/.test(lower)) {
    return `Ozon: API-ключ (заголовок Api-Key) отключён или просрочен (${msg}). Создайте новый ключ: кабинет Ozon → Настройки → Seller API / the Api-Key is deactivated`;
  }
  if (/company|blocked/.test(lower)) {
    return `Ozon: кабинет продавца с Client-Id ${clientId} заблокирован (${msg}) / the seller account is blocked`;
  }
  if (/client[- ]?id/.test(lower) && !/api[- ]?key/.test(lower)) {
    return `Ozon не принял Client-Id ${clientId} (заголовок Client-Id): ${msg}. Проверьте Client ID в кабинете Ozon → Настройки → Seller API / Ozon refused the Client-Id header`;
  }
  if (/api[- ]?key|permission|access/.test(lower) || res.status === 403) {
    return `Ozon отклонил API-ключ (заголовок Api-Key) для Client-Id ${clientId}: ${msg}. Ключ должен быть создан в этом же кабинете (Настройки → Seller API) и иметь нужные права / Ozon refused the Api-Key header for this Client-Id`;
  }
  return `Ozon отклонил ключи (HTTP ${res.status}): ${msg}`;
}

export interface OzonClientOptions {
  /** Extra attempts inside one call after a 429 (default 3). */
  busyRetries?: number;
  /** Back-off when Ozon names no Retry-After (default 1,000 ms, doubled each time). */
  busyBackoffMs?: number;
}

export class OzonClient {
  readonly baseUrl: string;
  readonly clientId: string;
  private readonly apiKey: string;
  private readonly ctx: ConnectorContext;
  private readonly busyRetries: number;
  private readonly busyBackoffMs: number;

  constructor(ctx: ConnectorContext, opts: OzonClientOptions = {}) {
    this.ctx = ctx;
    this.baseUrl = normalizeBaseUrl(ctx.auth.url);
    this.clientId = clientIdOf(ctx.auth);
    const key = ctx.auth.apiKey;
    if (typeof key !== 'string' || !key.trim()) throw new PermanentError('Ozon: не указан API-ключ (заголовок Api-Key) / Ozon API key (Api-Key header) is missing');
    this.apiKey = key.trim();
    this.busyRetries = opts.busyRetries ?? 3;
    this.busyBackoffMs = opts.busyBackoffMs ?? 1000;
  }

  /** One method call: POST JSON, 429 retried, every other failure classified. */
  async post(path: string, body: Obj, what: string): Promise<Obj> {
    const signal = this.ctx.signal;
    const res = await withRetry(
      async () => {
        const r = await this.ctx.http.request({
          method: 'POST',
          url: `${this.baseUrl}${path}`,
          headers: { 'Client-Id': this.clientId, 'Api-Key': this.apiKey, accept: 'application/json' },
          json: body,
        });
        if (r.status === 429) {
          throw new TransientError(`Ozon: превышен лимит запросов (HTTP 429: ${ozonMessage(r) ?? 'too many requests'}) при запросе «${what}» / Ozon rate limit`, {
            status: 429,
            retryAfterMs: parseRetryAfter(r.headers['retry-after']),
          });
        }
        return r;
      },
      {
        retries: this.busyRetries,
        retryable: (error) => error instanceof TransientError && error.status === 429 && !signal.aborted,
        backoffMs: (attempt) => this.busyBackoffMs * 2 ** attempt,
        signal,
        abortError: (reason) => new TransientError(`Ozon: запрос «${what}» прерван`, { cause: reason }),
      },
    );
    this.classify(res, what);
    const json = res.json;
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new PermanentError(`Ozon: ответ на запрос «${what}» — не объект JSON (HTTP ${res.status})`);
    return json as Obj;
  }

  private classify(res: HttpResponse, what: string): void {
    if (res.status < 400) return;
    const msg = ozonMessage(res);
    if (res.status === 401 || res.status === 403) throw new PermanentError(authProblem(res, this.clientId), { status: res.status });
    if (res.status === 404) throw new NotFoundError(`Ozon: не найдено при запросе «${what}»${msg ? `: ${msg}` : ''} / not found`);
    if (res.status === 408 || res.status >= 500) {
      throw new TransientError(`Ozon: ошибка сервера HTTP ${res.status} при запросе «${what}»${msg ? `: ${msg}` : ''}`, { status: res.status, retryAfterMs: parseRetryAfter(res.headers['retry-after']) });
    }
    throw new PermanentError(`Ozon отклонил запрос «${what}» (HTTP ${res.status})${msg ? `: ${msg}` : ''}`, { status: res.status });
  }

  /** POST /v3/posting/fbs/list: one page. */
  async fbsList(req: { since: string; to: string; status?: string; lastChangedFrom?: string; offset: number; limit: number }): Promise<{ postings: Obj[]; hasNext: boolean }> {
    const filter: Obj = { since: req.since, to: req.to };
    if (req.status) filter.status = req.status;
    if (req.lastChangedFrom) filter.last_changed_status_date = { from: req.lastChangedFrom, to: req.to };
    const body = await this.post('/v3/posting/fbs/list', { dir: 'ASC', filter, limit: req.limit, offset: req.offset, with: { analytics_data: true, financial_data: false } }, 'список отправлений FBS');
    const result = body.result as Obj | undefined;
    const postings = Array.isArray(result?.postings) ? (result.postings as Obj[]) : undefined;
    if (!postings) throw new PermanentError('Ozon: неожиданный ответ /v3/posting/fbs/list (нет result.postings)');
    return { postings, hasNext: result?.has_next === true };
  }

  /** POST /v2/posting/fbo/list: one page (a plain array; the end is a short page). */
  async fboList(req: { since: string; to: string; status?: string; offset: number; limit: number }): Promise<Obj[]> {
    const filter: Obj = { since: req.since, to: req.to };
    if (req.status) filter.status = req.status;
    const body = await this.post('/v2/posting/fbo/list', { dir: 'ASC', filter, limit: req.limit, offset: req.offset, with: { analytics_data: true, financial_data: false } }, 'список отправлений FBO');
    if (!Array.isArray(body.result)) throw new PermanentError('Ozon: неожиданный ответ /v2/posting/fbo/list (result — не список)');
    return body.result as Obj[];
  }

  /** POST /v3/posting/fbs/get. */
  async fbsGet(postingNumber: string, withData: { analytics?: boolean; financial?: boolean } = {}): Promise<Obj> {
    const body = await this.post(
      '/v3/posting/fbs/get',
      { posting_number: postingNumber, with: { analytics_data: withData.analytics === true, financial_data: withData.financial === true } },
      `отправление ${postingNumber}`,
    );
    const result = body.result;
    if (!result || typeof result !== 'object') throw new PermanentError(`Ozon: неожиданный ответ /v3/posting/fbs/get для ${postingNumber} (нет result)`);
    return result as Obj;
  }

  /** POST /v2/products/stocks: per-line results as Ozon gives them. */
  async setStocks(stocks: Obj[]): Promise<Obj[]> {
    const body = await this.post('/v2/products/stocks', { stocks }, 'обновление остатков');
    if (!Array.isArray(body.result)) throw new PermanentError('Ozon: неожиданный ответ /v2/products/stocks (result — не список)');
    return body.result as Obj[];
  }

  /** POST /v4/posting/fbs/ship: the posting numbers the packages became. */
  async ship(postingNumber: string, packages: Obj[]): Promise<string[]> {
    const body = await this.post('/v4/posting/fbs/ship', { packages, posting_number: postingNumber, with: { additional_data: false } }, `сборка отправления ${postingNumber}`);
    return Array.isArray(body.result) ? body.result.map(String) : [];
  }

  /** POST /v1/warehouse/list: the seller's FBS warehouses (the connection test's cheap call). */
  async warehouses(): Promise<Obj[]> {
    const body = await this.post('/v1/warehouse/list', {}, 'список складов');
    return Array.isArray(body.result) ? (body.result as Obj[]) : [];
  }
}

/** "1390.000000" → 1390; undefined when not a number. */
export function priceNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A posting as flows see it: Ozon's own fields untouched (prices stay strings), plus `scheme`,
 * each product's `price_value` and the posting's `total_price` / `currency_code` as numbers.
 */
export function postingPayload(p: Obj, scheme: 'fbs' | 'fbo'): Obj {
  const products = Array.isArray(p.products) ? (p.products as Obj[]) : [];
  let total = 0;
  let complete = true;
  const lines = products.map((line) => {
    const value = priceNumber(line.price);
    const quantity = Number(line.quantity ?? 1);
    if (value === undefined || !Number.isFinite(quantity)) complete = false;
    else total += value * quantity;
    return { ...line, price_value: value ?? null };
  });
  const currency = products.find((l) => typeof l.currency_code === 'string')?.currency_code ?? null;
  return { scheme, ...p, products: lines, total_price: complete ? Math.round(total * 100) / 100 : null, currency_code: currency };
}
