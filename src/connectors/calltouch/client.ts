// Typed Calltouch API client over ctx.http (which the engine rate-limits per connection at the
// connector's `limits.requestsPerSecond`). calls-service methods take `clientApiId` in the query;
// lead-service methods take `Access-Token` + `SiteId` headers. A rejection by Calltouch's own
// limiter (429 or 503 — undocumented which) is retried here with back-off, honouring Retry-After,
// and surfaces as TransientError when retries run out.
import { DEFAULT_TIME_ZONE, formatDate, validTimeZone, wallClockAt } from '../../connector-kit/dates.ts';
import { PermanentError, TransientError, parseRetryAfter } from '../../connector-kit/errors.ts';
import { withRetry } from '../../connector-kit/retry.ts';
import type { ConnectorContext, HttpRequest, HttpResponse } from '../../connector-kit/types.ts';
import { ORDER_SOURCES } from './fields.ts';

export type Obj = Record<string, any>;

export const DEFAULT_BASE_URL = 'https://api.calltouch.ru';
/** Long periods are exported in chunks of at most this many days (as public clients do). */
export const MAX_CHUNK_DAYS = 90;
export const MAX_LIMIT = 1000;
const DAY_MS = 86_400_000;

// ---------- dates ----------

/** `dd/mm/yyyy` → UTC midnight ms, or undefined when malformed or not a calendar date. */
export function parseDmy(value: string): number | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  if (!m) return undefined;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const check = new Date(t);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return t;
}

/** A wall clock (UTC-encoded ms, as parseDmy gives) → `dd/mm/yyyy`. */
export function formatDmy(ms: number): string {
  return String(formatDate({ wall: ms, offset: null }, 'dd/mm/yyyy'));
}

/** `hh:mm:ss` → seconds of the day, or undefined. */
export function parseHms(value: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!m) return undefined;
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return h * 3600 + mi * 60 + s;
}

/** `dd/mm/yyyy hh:mm:ss` (journal dates) → ms, or undefined. */
export function parseDmyHms(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const [date, time = '00:00:00'] = value.trim().split(/\s+/);
  const day = parseDmy(date);
  const sec = parseHms(time);
  return day === undefined || sec === undefined ? undefined : day + sec * 1000;
}

/** A wall clock (UTC-encoded ms) → `dd/mm/yyyy hh:mm:ss` (lead-service: `sep` '-'). */
export function formatDmyHms(ms: number, sep = '/'): string {
  const text = String(formatDate({ wall: ms, offset: null }, 'dd/mm/yyyy hh:mm:ss'));
  return sep === '/' ? text : text.replace(/\//g, sep);
}

/**
 * The account's clock. Calltouch reads and writes every date as wall-clock time of the account's
 * time zone (Moscow unless the connection says otherwise), so instants are formatted there.
 */
export function connectionTimeZone(auth: Obj): string {
  const raw = typeof auth.timeZone === 'string' ? auth.timeZone.trim() : '';
  if (!raw) return DEFAULT_TIME_ZONE;
  if (validTimeZone(raw) !== raw) throw new PermanentError(`Часовой пояс «${raw}» не распознан: укажите название из базы IANA, например Europe/Moscow`);
  return raw;
}

/** An instant → the wall clock of `timeZone` (UTC-encoded ms, for formatDmy / formatDmyHms). */
export const wallClock = (ms: number, timeZone: string): number => wallClockAt(ms, timeZone);

// ---------- export parameters ----------

export interface ExportParams {
  dateFrom?: string;
  dateTo?: string;
  timeFrom?: string;
  timeTo?: string;
  /** Only for single requests (`ordersPage`); the streaming export sets it itself. */
  page?: number;
  limit?: number;
  orderSource?: string;
  'phoneNumber.value'?: string;
  orderNumber?: string;
  bindTo?: string;
  manager?: string;
  service?: string;
  withOrdersTags?: boolean;
  withAllOrderOrigins?: boolean;
  withComments?: boolean;
}

const unset = (v: unknown) => v === undefined || v === null || v === '';

function str(raw: Obj, key: string): string | undefined {
  const v = raw[key];
  if (unset(v)) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new PermanentError(`Параметр ${key}: ожидается строка`);
  return String(v).trim() || undefined;
}

function bool(raw: Obj, key: string): boolean | undefined {
  const v = raw[key];
  if (unset(v)) return undefined;
  if (v === true || v === 'true' || v === 1 || v === '1') return true;
  if (v === false || v === 'false' || v === 0 || v === '0') return false;
  throw new PermanentError(`Параметр ${key}: ожидается true или false, получено «${String(v)}»`);
}

/**
 * Checks the seed's rules before any call and returns normalised parameters. `requirePage`:
 * a single request (not the streaming export) over more than one day must carry `page`.
 */
export function validateExportParams(raw: Obj, opts: { requirePage?: boolean } = {}): ExportParams {
  const input = { ...raw };
  // `phoneNumber.value` may arrive nested as phoneNumber: { value } from templates.
  if (unset(input['phoneNumber.value']) && input.phoneNumber && typeof input.phoneNumber === 'object') input['phoneNumber.value'] = input.phoneNumber.value;
  const p: ExportParams = {};
  p.dateFrom = str(input, 'dateFrom');
  p.dateTo = str(input, 'dateTo');
  p.timeFrom = str(input, 'timeFrom');
  p.timeTo = str(input, 'timeTo');
  p['phoneNumber.value'] = str(input, 'phoneNumber.value');
  p.orderNumber = str(input, 'orderNumber');
  p.bindTo = str(input, 'bindTo');
  p.manager = str(input, 'manager');
  p.service = str(input, 'service');
  p.withOrdersTags = bool(input, 'withOrdersTags');
  p.withAllOrderOrigins = bool(input, 'withAllOrderOrigins');
  p.withComments = bool(input, 'withComments');

  const src = str(input, 'orderSource');
  if (src !== undefined) {
    const up = src.toUpperCase();
    if (!(ORDER_SOURCES as readonly string[]).includes(up)) throw new PermanentError(`Параметр orderSource: допустимы ${ORDER_SOURCES.join(', ')}, получено «${src}»`);
    p.orderSource = up;
  }
  if (!unset(input.limit)) {
    const n = Number(input.limit);
    if (!Number.isInteger(n) || n < 1) throw new PermanentError(`Параметр limit: ожидается целое число от 1 до ${MAX_LIMIT}, получено «${String(input.limit)}»`);
    if (n > MAX_LIMIT) throw new PermanentError(`Параметр limit: не более ${MAX_LIMIT} сделок на странице, получено ${n}`);
    p.limit = n;
  }
  if (!unset(input.page)) {
    const n = Number(input.page);
    if (!Number.isInteger(n) || n < 1) throw new PermanentError(`Параметр page: ожидается номер страницы от 1, получено «${String(input.page)}»`);
    p.page = n;
  }
  if (p.limit !== undefined && p.page === undefined && opts.requirePage) throw new PermanentError('Параметр limit используется только вместе с page');

  const byId = p['phoneNumber.value'] !== undefined || p.orderNumber !== undefined;
  const hasPeriod = p.dateFrom !== undefined || p.dateTo !== undefined || p.timeFrom !== undefined || p.timeTo !== undefined;
  if (byId) {
    if (hasPeriod) {
      const which = p.orderNumber !== undefined ? 'orderNumber' : 'phoneNumber.value';
      throw new PermanentError(`С параметром ${which} период (dateFrom/dateTo/timeFrom/timeTo) не указывается: уберите даты или ${which}`);
    }
    return p;
  }
  if (p.dateFrom === undefined) throw new PermanentError('Параметр dateFrom обязателен (формат dd/mm/yyyy), если не указаны phoneNumber.value или orderNumber');
  if (p.dateTo === undefined) throw new PermanentError('Параметр dateTo обязателен (формат dd/mm/yyyy), если не указаны phoneNumber.value или orderNumber');
  const from = parseDmy(p.dateFrom);
  if (from === undefined) throw new PermanentError(`Параметр dateFrom: ожидается дата в формате dd/mm/yyyy, получено «${p.dateFrom}»`);
  const to = parseDmy(p.dateTo);
  if (to === undefined) throw new PermanentError(`Параметр dateTo: ожидается дата в формате dd/mm/yyyy, получено «${p.dateTo}»`);
  if (p.timeFrom !== undefined && parseHms(p.timeFrom) === undefined) throw new PermanentError(`Параметр timeFrom: ожидается время в формате hh:mm:ss, получено «${p.timeFrom}»`);
  if (p.timeTo !== undefined && parseHms(p.timeTo) === undefined) throw new PermanentError(`Параметр timeTo: ожидается время в формате hh:mm:ss, получено «${p.timeTo}»`);
  if (from >= to) throw new PermanentError(`Параметр dateFrom (${p.dateFrom}) должен быть меньше dateTo (${p.dateTo})`);
  if (opts.requirePage && to - from > DAY_MS && p.page === undefined) {
    throw new PermanentError(`Диапазон ${p.dateFrom}–${p.dateTo} больше 1 дня: выгрузка возможна только с пагинацией (параметры page и limit)`);
  }
  return p;
}

/** Splits [dateFrom, dateTo] into contiguous inclusive chunks of ≤ MAX_CHUNK_DAYS days, each at least two days long. */
export function splitPeriod(p: ExportParams, maxDays = MAX_CHUNK_DAYS): ExportParams[] {
  if (p.dateFrom === undefined || p.dateTo === undefined) return [p];
  const from = parseDmy(p.dateFrom)!;
  const to = parseDmy(p.dateTo)!;
  const days = Math.round((to - from) / DAY_MS) + 1;
  if (days <= maxDays) return [p];
  const chunks: ExportParams[] = [];
  let start = from;
  while (start <= to) {
    let end = Math.min(to, start + (maxDays - 1) * DAY_MS);
    // A one-day tail cannot be requested (dateFrom must be less than dateTo): fold it in.
    if (to - end === DAY_MS) end = to;
    chunks.push({
      ...p,
      dateFrom: formatDmy(start),
      dateTo: formatDmy(end),
      timeFrom: start === from ? p.timeFrom : undefined,
      timeTo: end === to ? p.timeTo : undefined,
    });
    start = end + DAY_MS;
  }
  return chunks;
}

/**
 * Which deals by comment a caller asks for: `all` (or unset) → undefined (both kinds), `with` or
 * true → true (deals that have a comment), `without` or false → false.
 */
export function commentsChoice(value: unknown, field = 'comments'): boolean | undefined {
  if (value === undefined || value === null || value === '' || value === 'all') return undefined;
  if (value === 'with' || value === true || value === 'true') return true;
  if (value === 'without' || value === false || value === 'false') return false;
  throw new PermanentError(`Параметр ${field}: допустимы all, with или without, получено «${String(value)}»`);
}

/** The `withComments` values to request: the one asked for, or both (every deal). */
export function commentPasses(p: ExportParams): boolean[] {
  return p.withComments === undefined ? [true, false] : [p.withComments];
}

function toQuery(p: ExportParams): Record<string, string | number | boolean | undefined> {
  const q: Record<string, string | number | boolean | undefined> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q[k] = v as string | number | boolean;
  return q;
}

// ---------- records ----------

/** Tags arrive as the seed's string list or as [{category,type,names:[…]}]: both become string[]; null stays null. */
export function normalizeTags(tags: unknown): unknown {
  if (!Array.isArray(tags)) return tags;
  const out: string[] = [];
  for (const t of tags) {
    if (typeof t === 'string') out.push(t);
    else if (t && typeof t === 'object') {
      const names = (t as Obj).names ?? (t as Obj).tags;
      if (Array.isArray(names)) for (const n of names) out.push(typeof n === 'string' ? n : String((n as Obj)?.tag ?? (n as Obj)?.name ?? n));
      else if (typeof (t as Obj).tag === 'string') out.push((t as Obj).tag);
      else if (typeof (t as Obj).name === 'string') out.push((t as Obj).name);
    }
  }
  return out;
}

export function normalizeRecord(r: Obj): Obj {
  if (r && typeof r === 'object' && 'tags' in r) return { ...r, tags: normalizeTags(r.tags) };
  return r;
}

export interface PageEnvelope {
  page: number;
  pageTotal: number;
  pageSize: number;
  recordsTotal: number;
  records: Obj[];
}

export interface ExportProgress {
  chunk: number;
  chunks: number;
  page: number;
  pageTotal: number;
  /** Records in chunks seen so far (each chunk's total is known after its first page). */
  recordsTotal: number;
  recordsDone: number;
}

// ---------- client ----------

export interface ClientOptions {
  /** Retries of a rate-limit rejection (429/503) or a network error before giving up. */
  busyRetries?: number;
  /** First back-off when no Retry-After came. */
  backoffMs?: number;
}

const nodeCache = new Map<string, string>();

/** A rejection by Calltouch's limiter (429/503) while retries remain. */
class Busy extends TransientError {
  constructor(status: number, retryAfterMs: number | undefined) {
    super(`Calltouch: HTTP ${status}`, { status, retryAfterMs });
  }
}

export class CalltouchClient {
  private readonly ctx: ConnectorContext;
  private readonly busyRetries: number;
  private readonly backoffMs: number;
  private base: string | undefined;
  readonly siteId: string;
  /** The account's time zone (IANA name) every date is written and read in. */
  readonly timeZone: string;

  constructor(ctx: ConnectorContext, opts: ClientOptions = {}) {
    this.ctx = ctx;
    this.busyRetries = opts.busyRetries ?? 5;
    this.backoffMs = opts.backoffMs ?? 1000;
    const siteId = String(ctx.auth.siteId ?? '').trim();
    if (!/^\d+$/.test(siteId)) throw new PermanentError(`ID сайта Calltouch должен быть числом, получено «${siteId}»`);
    this.siteId = siteId;
    this.timeZone = connectionTimeZone(ctx.auth);
    const explicit = baseFromNode(ctx.auth.baseUrl) ?? baseFromNode(ctx.auth.nodeHost);
    if (explicit) this.base = explicit;
  }

  private get clientApiId(): string {
    const t = String(this.ctx.auth.clientApiId ?? '').trim();
    if (!t) throw new PermanentError('В подключении Calltouch не указан токен API (clientApiId)');
    return t;
  }

  private get accessToken(): string {
    const t = String(this.ctx.auth.accessToken ?? '').trim() || String(this.ctx.auth.clientApiId ?? '').trim();
    if (!t) throw new PermanentError('В подключении Calltouch не указан ключ Access-Token');
    return t;
  }

  /** The API base URL: the connection's node / URL, else found with getnodeid (cached per site). */
  async baseUrl(): Promise<string> {
    if (this.base) return this.base;
    const cached = nodeCache.get(this.siteId);
    if (cached) return (this.base = cached);
    const node = await this.getNodeId(DEFAULT_BASE_URL);
    const base = node ? `https://api-node${node}.calltouch.ru` : DEFAULT_BASE_URL;
    nodeCache.set(this.siteId, base);
    return (this.base = base);
  }

  /** GET /calls-service/RestAPI/{siteId}/getnodeid/ → nodeId (undefined when none given). */
  async getNodeId(base?: string): Promise<number | undefined> {
    const b = base ?? (await this.baseUrl());
    const res = await this.send({ method: 'GET', url: `${b}/calls-service/RestAPI/${this.siteId}/getnodeid/`, query: { clientApiId: this.clientApiId } }, 'определение узла API');
    const n = Number((res.json as Obj | undefined)?.nodeId);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  }

  /** One request with retries on rate-limit rejections and network errors; errors classified with Russian messages. */
  async send(req: HttpRequest, what: string): Promise<HttpResponse> {
    const signal = this.ctx.signal;
    let res: HttpResponse;
    try {
      res = await withRetry(
        async () => {
          if (signal.aborted) throw new TransientError(`Calltouch: запрос «${what}» прерван`, { cause: signal.reason });
          const r = await this.ctx.http.request(req);
          if (r.status === 429 || r.status === 503) throw new Busy(r.status, parseRetryAfter(r.headers['retry-after']));
          return r;
        },
        {
          retries: this.busyRetries,
          retryable: (error) => error instanceof TransientError && !signal.aborted,
          backoffMs: (attempt) => this.backoffMs * 2 ** attempt,
          signal,
          abortError: (reason) => new TransientError('Calltouch: запрос прерван', { cause: reason }),
        },
      );
    } catch (error) {
      if (error instanceof Busy) {
        throw new TransientError(`Calltouch: превышен лимит запросов (HTTP ${error.status}) при запросе «${what}»`, { status: error.status, retryAfterMs: error.retryAfterMs ?? this.backoffMs });
      }
      throw error;
    }
    classify(res, what);
    return res;
  }

  /** One raw request to orders-diary (validated as a single request: over one day needs `page`). */
  async ordersPage(raw: Obj): Promise<PageEnvelope> {
    const p = validateExportParams(raw, { requirePage: true });
    return this.fetchPage(p);
  }

  private async fetchPage(p: ExportParams): Promise<PageEnvelope> {
    const base = await this.baseUrl();
    const res = await this.send(
      { method: 'GET', url: `${base}/calls-service/RestAPI/${this.siteId}/orders-diary/orders`, query: { clientApiId: this.clientApiId, ...toQuery(p) } },
      'выгрузка журнала сделок',
    );
    const body = res.json;
    // Without paging the answer may be a bare array or an envelope without page fields.
    if (Array.isArray(body)) return { page: 1, pageTotal: 1, pageSize: body.length, recordsTotal: body.length, records: body.map(normalizeRecord) };
    const env = body as Obj;
    if (!env || !Array.isArray(env.records)) throw new PermanentError('Calltouch: неожиданный ответ выгрузки журнала сделок (нет records)');
    const records = (env.records as Obj[]).map(normalizeRecord);
    return {
      page: Number(env.page ?? p.page ?? 1),
      pageTotal: Number(env.pageTotal ?? 1),
      pageSize: Number(env.pageSize ?? records.length),
      recordsTotal: Number(env.recordsTotal ?? records.length),
      records,
    };
  }

  /**
   * Streams every deal matching `raw`: validates first, splits long periods into ≤ 90-day chunks,
   * requests page after page (one page in memory at a time).
   */
  /**
   * `withComments` as the seed defines it selects one kind of deal: true — deals that have a
   * comment, false — deals without one. Unset means every deal: both passes, merged by orderNumber.
   */
  async *exportOrders(raw: Obj, opts: { onPage?: (p: ExportProgress) => void; maxChunkDays?: number } = {}): AsyncGenerator<Obj> {
    const p = validateExportParams(raw);
    const limit = p.limit ?? MAX_LIMIT;
    const passes = commentPasses(p);
    const chunks = passes.flatMap((withComments) => splitPeriod({ ...p, withComments, page: undefined, limit }, opts.maxChunkDays));
    // Only needed when both passes run (a service that ignores the flag answers the same deals twice).
    const emitted = passes.length > 1 ? new Set<string>() : undefined;
    let totalKnown = 0;
    let done = 0;
    for (let c = 0; c < chunks.length; c++) {
      let pageTotal = 1;
      for (let page = 1; page <= pageTotal; page++) {
        const env = await this.fetchPage({ ...chunks[c], page, limit });
        if (page === 1) totalKnown += env.recordsTotal;
        pageTotal = env.pageTotal;
        done += env.records.length;
        opts.onPage?.({ chunk: c + 1, chunks: chunks.length, page, pageTotal, recordsTotal: totalKnown, recordsDone: done });
        for (const r of env.records) {
          if (emitted) {
            const key = r?.orderNumber === undefined || r?.orderNumber === null ? undefined : String(r.orderNumber);
            if (key !== undefined && emitted.has(key)) continue;
            if (key !== undefined) emitted.add(key);
            // A deal of the "without comment" pass: the same shape as the other pass's records.
            yield chunks[c].withComments === false && !('comment' in r) ? { ...r, comment: null } : r;
          } else yield r;
        }
        if (env.records.length === 0) break;
      }
    }
  }

  /** The first deal for an orderNumber or a client phone, or undefined (both comment kinds unless `withComments` is set). */
  async findOrder(raw: Obj): Promise<Obj | undefined> {
    const p = validateExportParams(raw);
    for (const withComments of commentPasses(p)) {
      const env = await this.fetchPage({ ...p, withComments, page: 1, limit: 1 });
      const found = env.records[0];
      if (found) return withComments === false && !('comment' in found) && p.withComments === undefined ? { ...found, comment: null } : found;
    }
    return undefined;
  }

  private leadHeaders(): Record<string, string> {
    return { 'Access-Token': this.accessToken, SiteId: this.siteId };
  }

  /** POST /lead-service/v1/api/client-order/create */
  async createOrders(body: Obj): Promise<Obj> {
    const base = await this.baseUrl();
    const res = await this.send({ method: 'POST', url: `${base}/lead-service/v1/api/client-order/create`, headers: this.leadHeaders(), json: body }, 'создание сделки');
    return res.json as Obj;
  }

  /** POST /lead-service/v1/api/client-order/update */
  async updateOrders(body: Obj): Promise<Obj> {
    const base = await this.baseUrl();
    const res = await this.send({ method: 'POST', url: `${base}/lead-service/v1/api/client-order/update`, headers: this.leadHeaders(), json: body }, 'изменение сделки');
    return res.json as Obj;
  }
}

/** The text of a per-deal `error` (a string or an object with a message and maybe a code). */
function dealErrorText(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') {
    const e = error as Obj;
    const msg = [e.message, e.errorMessage, e.description, e.text, e.error].find((v) => typeof v === 'string' && v);
    const code = e.code ?? e.errorCode ?? e.type;
    if (msg) return code !== undefined && code !== null && code !== '' ? `${msg} (${String(code)})` : msg;
    return JSON.stringify(error);
  }
  return String(error);
}

/** A deal that Calltouch says failed for a passing reason: its own rate limit, a timeout, "try again". */
const TEMPORARY = /rate|limit|лимит|too many|слишком много|timeout|timed out|тайм-?аут|temporar|времен|try again|повтори|unavailable|недоступ|\b(429|503)\b/i;

/**
 * The `index`th deal of a lead-service answer `{"data":{"orders":[…]}}`. A deal that carries an
 * `error` instead of an id fails the step with Calltouch's message: for good, unless the message
 * says the failure is temporary.
 */
export function dealOutcome(res: Obj | undefined, index: number, what: string): Obj {
  const deal = res?.data?.orders?.[index];
  if (!deal || typeof deal !== 'object') throw new PermanentError(`Calltouch: в ответе на запрос «${what}» нет сделки (data.orders[${index}])`);
  const error = (deal as Obj).error ?? (deal as Obj).errors;
  if (error !== undefined && error !== null && error !== '' && !(Array.isArray(error) && error.length === 0)) {
    const text = Array.isArray(error) ? error.map(dealErrorText).join('; ') : dealErrorText(error);
    const message = `Calltouch не выполнил запрос «${what}»${deal.orderNumber ? ` для сделки ${String(deal.orderNumber)}` : ''}: ${text}`;
    throw TEMPORARY.test(text) ? new TransientError(message) : new PermanentError(message);
  }
  return deal as Obj;
}

/** `5` → api-node5; `api-node5.calltouch.ru` → https://…; a full URL as is. */
export function baseFromNode(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const v = String(value).trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return `https://api-node${v}.calltouch.ru`;
  if (/^https?:\/\//i.test(v)) return v.replace(/\/+$/, '');
  if (/^[a-z0-9.-]+(:\d+)?$/i.test(v)) return `https://${v}`;
  throw new PermanentError(`Узел API Calltouch «${v}» не распознан: укажите номер узла, хост api-nodeN.calltouch.ru или полный адрес`);
}

function apiMessage(res: HttpResponse): string | undefined {
  const b = res.json as Obj | undefined;
  if (!b || typeof b !== 'object') return undefined;
  for (const k of ['message', 'errorMsg', 'error', 'errorMessage', 'description']) {
    const v = b[k];
    if (typeof v === 'string' && v) return v;
    if (v && typeof v === 'object' && typeof v.message === 'string') return v.message;
  }
  if (Array.isArray(b.errors) && b.errors.length) return b.errors.map((e: unknown) => (typeof e === 'string' ? e : ((e as Obj)?.message ?? JSON.stringify(e)))).join('; ');
  return undefined;
}

function classify(res: HttpResponse, what: string): void {
  const msg = apiMessage(res);
  if (res.status === 401 || res.status === 403) {
    throw new PermanentError(`Calltouch отклонил токен (HTTP ${res.status}${msg ? `: ${msg}` : ''}) при запросе «${what}»: проверьте ID сайта и токен API в подключении`, { status: res.status });
  }
  if (res.status === 404 && !msg) throw new PermanentError(`Calltouch: метод не найден (HTTP 404) при запросе «${what}» — проверьте ID сайта и узел API`, { status: 404 });
  if (res.status >= 500 || res.status === 408) {
    throw new TransientError(`Calltouch: ошибка сервера HTTP ${res.status} при запросе «${what}»${msg ? `: ${msg}` : ''}`, { status: res.status, retryAfterMs: parseRetryAfter(res.headers['retry-after']) });
  }
  if (res.status >= 400) throw new PermanentError(`Calltouch отклонил запрос «${what}» (HTTP ${res.status})${msg ? `: ${msg}` : ''}`, { status: res.status });
  if (res.json === undefined) {
    throw new PermanentError(`Calltouch: ответ на запрос «${what}» — не JSON (HTTP ${res.status}); возможно, неверный ID сайта или узел API`, { status: res.status });
  }
}
