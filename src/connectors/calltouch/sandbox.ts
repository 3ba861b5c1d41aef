// A faithful fake of the Calltouch API on node:http for the demo and tests: the deal journal
// (orders-diary) exactly as the seed page describes it — validation errors for each broken rule,
// the paging envelope, orderNumber / phone lookups, tag and comment flags, CALL and REQUEST
// records — lead-service client-order create/update, getnodeid, token checks, and the rate limit:
// 5 requests/s per IP, 5 more queued and delayed, the rest rejected (429 or 503).
// Seeded deterministically: deal i is computed from (seed, i) on demand, so 100,000 deals over a
// year cost no memory; only created/updated deals are stored.
import { listen } from '../../lib/listen.ts';
import { createSandboxOutage, type SandboxOutage } from '../../connector-kit/sandbox-outage.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SandboxHandle, SandboxOptions } from '../../connector-kit/types.ts';
import { formatDmyHms, parseDmy, parseHms, wallClock } from './client.ts';
import { seededRandom } from '../../connector-kit/seeded-random.ts';

type Obj = Record<string, any>;
const DAY_MS = 86_400_000;

export interface CalltouchSandboxOptions extends SandboxOptions {
  siteId?: string;
  clientApiId?: string;
  accessToken?: string;
  nodeId?: number;
  /** Status of a rate-limit rejection. */
  rejectStatus?: 429 | 503;
  retryAfterSeconds?: number;
  ratePerSecond?: number;
  queueSize?: number;
  /** First day of the seeded deals, dd/mm/yyyy (default 01/01/2018). */
  startDate?: string;
  /** Seeded deals are spread over this many days (default 365). */
  days?: number;
  /** Extra deals in the journal from the start (the demo's shared data set), each with its orderDate in ms. */
  deals?: Array<Record<string, unknown> & { orderNumber: string; orderMs: number }>;
}

export interface SandboxStats {
  served: number;
  queued: number;
  rejected: number;
  /** Most requests started within any 1,000 ms. */
  maxPerSecond: number;
  requests: Array<{ method: string; path: string; status: number }>;
}

export interface CalltouchSandbox extends SandboxHandle {
  /** `POST /_sandbox/outage {"status":503,"seconds":N}`: every request refused for N s; the request log. */
  outage: SandboxOutage;
  credentials: { siteId: string; clientApiId: string; accessToken: string; nodeHost: string };
  stats: SandboxStats;
  resetStats(): void;
  /** The next `n` requests are rejected as over the rate limit. */
  injectRejections(n: number, status?: 429 | 503): void;
  /** The stored deal (created/updated), for assertions. */
  getOrder(orderNumber: string): Obj | undefined;
  /** Number of seeded deals. */
  readonly seeded: number;
}

function hash32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const MANAGERS = ['Коля', 'Маша', 'Петя', 'Оля'];
const STATUSES = ['start', 'in_progress', 'final', 'cancel'];
const SERVICES = ['retailCRM', 'AmoCRM', null];
const FUNNELS = ['Основная воронка', 'Опт'];
const SOURCES = [
  { source: 'yandex', medium: 'cpc', utmSource: 'yandex', utmMedium: 'cpc', utmCampaign: 'brand', keyword: 'купить удлинитель' },
  { source: 'google', medium: 'organic', utmSource: '', utmMedium: '', utmCampaign: '', keyword: '(not provided)' },
  { source: '(direct)', medium: '(none)', utmSource: '', utmMedium: '', utmCampaign: '', keyword: '(not set)' },
];
const NAMES = ['Вася', 'Анна', 'Игорь', null];
const MATCHING_TYPES = ['request', 'call', 'chat', 'leadContact', 'requestContact', 'callContact', 'chatContact'];

export async function startCalltouchSandbox(opts: CalltouchSandboxOptions = {}): Promise<CalltouchSandbox> {
  const seed = opts.seed ?? 1;
  const n = Math.max(0, opts.records ?? 200);
  const siteId = opts.siteId ?? '12345';
  const clientApiId = opts.clientApiId ?? 'GllU3tbwhrTkA1Chryud4xIT48WE8FPeNyrGQQswIb3nr';
  const accessToken = opts.accessToken ?? 'lead-service-access-token-demo';
  const nodeId = opts.nodeId ?? 3;
  const rate = opts.ratePerSecond ?? 5;
  const queueSize = opts.queueSize ?? 5;
  const retryAfter = opts.retryAfterSeconds ?? 1;
  const start = parseDmy(opts.startDate ?? '01/01/2018') ?? Date.UTC(2018, 0, 1);
  const span = (opts.days ?? 365) * DAY_MS;
  const prefix = `D${seed}-`;

  const stats: SandboxStats = { served: 0, queued: 0, rejected: 0, maxPerSecond: 0, requests: [] };
  let injected: Array<429 | 503> = [];
  /** Created deals (by orderNumber) and updated seeded deals. */
  const stored = new Map<string, Obj>();
  /** Orders created through the API, in creation order (their orderDate may be anything). */
  const created: string[] = [];
  let nextCtId = 900_000_000;
  for (const { orderMs, ...deal } of opts.deals ?? []) {
    stored.set(deal.orderNumber, { ...deal, _ctId: nextCtId++, _orderMs: orderMs });
    created.push(deal.orderNumber);
  }

  // ----- seeded deals -----
  const dateOf = (i: number) => start + Math.floor(((i + (hash32(seed, i) % 1000) / 1000) * span) / Math.max(1, n) / 1000) * 1000;
  const originOf = (i: number) => (i % 5 === 4 ? 'MANUAL' : 'API');
  const phoneOf = (i: number) => `79${String((hash32(seed + 7, i) % 900_000_000) + 100_000_000)}`;
  function seededRecord(i: number): Obj {
    const on = `${prefix}${i}`;
    const over = stored.get(on);
    if (over) return over;
    const r = seededRandom(hash32(seed, i));
    const orderDate = dateOf(i);
    const call = i % 2 === 0;
    const phone = phoneOf(i);
    const src = SOURCES[Math.floor(r() * SOURCES.length)];
    const createdAt = orderDate + Math.floor(r() * 3600) * 1000;
    const fio = NAMES[Math.floor(r() * NAMES.length)];
    const rec: Obj = {
      client: { phones: phone, fio, ...(r() < 0.5 ? { emails: `client${i}@example.ru` } : {}) },
      completedAmount: null,
      completedDate: null,
      createdDate: formatDmyHms(createdAt),
      isDeleted: false,
      manager: r() < 0.8 ? MANAGERS[Math.floor(r() * MANAGERS.length)] : null,
      orderDate: formatDmyHms(orderDate),
      statusDate: formatDmyHms(createdAt),
      updatedDate: null,
      orderNumber: on,
      orderOrigin: originOf(i),
      orderSource: call
        ? { callId: 30_000_000 + i, duration: 5 + Math.floor(r() * 300), phoneNumber: '74991121187', type: 'CALL', ani: phone, dateCall: formatDmyHms(orderDate - 300_000) }
        : { requestNumber: String(5_000_000 + i), type: 'REQUEST' },
      orderStatus: STATUSES[Math.floor(r() * STATUSES.length)],
      plannedAmount: 500 * (1 + Math.floor(r() * 40)),
      service: SERVICES[Math.floor(r() * SERVICES.length)],
      visit: call || r() < 0.7
        ? { ...src, utmContent: '', utmTerm: '', visitDate: formatDmyHms(orderDate - 600_000) }
        : { utmSource: null, utmTerm: null, utmContent: null, visitDate: null, utmMedium: null, source: null, medium: null, keyword: null, utmCampaign: null },
      funnel: FUNNELS[Math.floor(r() * FUNNELS.length)],
      currencyCode: 'RUB',
      margin: Math.floor(r() * 30),
      orderLink: `https://site.ru/${on}`,
      orderName: `Сделка ${i}`,
    };
    if (rec.orderStatus === 'final') {
      rec.completedAmount = rec.plannedAmount;
      rec.completedDate = formatDmyHms(createdAt + DAY_MS).slice(0, 10);
    }
    rec._tags = r() < 0.6 ? ['tag1', ...(r() < 0.5 ? ['tag2'] : [])] : null;
    if (r() < 0.4) rec._comment = 'Клиент просил перезвонить';
    if (r() < 0.3) rec.custom = { 'Город': 'Москва', ...(r() < 0.5 ? { 'Тип клиента': 'опт' } : {}) };
    if (!call && r() < 0.7) {
      const qty = 1 + Math.floor(r() * 5);
      rec.products = [{ name: 'USB-удлинитель', brand: 'Завод удлинителей', category: 'Элкабели, шнуры', variant: '3 м', price: 101.63, quantity: qty, revenue: Math.round(101.63 * qty * 100) / 100, externalId: '33333323', margin: 100.25 }];
    }
    return rec;
  }
  function lowerBound(t: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dateOf(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** Matching seeded indices per query (see ordersDiary); dropped whenever a deal changes. */
  const scans = new Map<string, number[]>();

  // ----- rate limit (per IP) -----
  const perIp = new Map<string, { starts: number[]; queue: Array<() => void>; timer: NodeJS.Timeout | null }>();
  function admit(ip: string): 'now' | Promise<void> | 'reject' {
    let s = perIp.get(ip);
    if (!s) perIp.set(ip, (s = { starts: [], queue: [], timer: null }));
    const now = performance.now();
    while (s.starts.length && s.starts[0] <= now - 1000) s.starts.shift();
    if (s.queue.length === 0 && s.starts.length < rate) {
      record(s, now);
      return 'now';
    }
    if (s.queue.length >= queueSize) return 'reject';
    stats.queued++;
    const state = s;
    const p = new Promise<void>((resolve) => state.queue.push(resolve));
    schedule(state);
    return p;
  }
  function record(s: { starts: number[] }, now: number) {
    s.starts.push(now);
    stats.maxPerSecond = Math.max(stats.maxPerSecond, s.starts.length);
  }
  function schedule(s: { starts: number[]; queue: Array<() => void>; timer: NodeJS.Timeout | null }) {
    if (s.timer) return;
    const now = performance.now();
    while (s.starts.length && s.starts[0] <= now - 1000) s.starts.shift();
    while (s.queue.length && s.starts.length < rate) {
      record(s, now);
      s.queue.shift()!();
    }
    if (!s.queue.length) return;
    const due = s.starts[s.starts.length - rate] + 1000;
    s.timer = setTimeout(() => {
      s.timer = null;
      schedule(s);
    }, Math.max(1, Math.ceil(due - now)));
  }

  // ----- HTTP -----
  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }
  const bad = (res: ServerResponse, message: string) => send(res, 400, { errorCode: 400, message });

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function ordersDiary(q: URLSearchParams, res: ServerResponse) {
    if (q.get('clientApiId') !== clientApiId) return send(res, 401, { errorCode: 401, message: 'Неверный clientApiId' });
    const has = (k: string) => q.has(k) && q.get(k) !== '';
    const flag = (k: string) => q.get(k) === 'true';
    const phone = has('phoneNumber.value') ? q.get('phoneNumber.value')! : undefined;
    const orderNumber = has('orderNumber') ? q.get('orderNumber')! : undefined;
    const period = ['dateFrom', 'dateTo', 'timeFrom', 'timeTo'].filter(has);
    let page: number | undefined;
    if (has('page')) {
      page = Number(q.get('page'));
      if (!Number.isInteger(page) || page < 1) return bad(res, 'Параметр page должен быть целым числом больше 0');
    }
    let limit = 1000;
    if (has('limit')) {
      limit = Number(q.get('limit'));
      if (!Number.isInteger(limit) || limit < 1) return bad(res, 'Параметр limit должен быть целым числом больше 0');
      if (limit > 1000) return bad(res, 'Параметр limit не может быть больше 1000');
    }
    const source = has('orderSource') ? q.get('orderSource')!.toUpperCase() : undefined;
    if (source && !['CALL', 'REQUEST', 'CHAT'].includes(source)) return bad(res, 'Недопустимое значение orderSource');
    let fromMs = -Infinity;
    let toMs = Infinity;
    if (phone !== undefined || orderNumber !== undefined) {
      if (period.length) return bad(res, 'С параметрами phoneNumber.value / orderNumber параметры dateFrom, dateTo, timeFrom, timeTo не указываются');
    } else {
      if (!has('dateFrom') || !has('dateTo')) return bad(res, 'Параметры dateFrom и dateTo обязательны');
      const df = parseDmy(q.get('dateFrom')!);
      const dt = parseDmy(q.get('dateTo')!);
      if (df === undefined || dt === undefined) return bad(res, 'Даты dateFrom и dateTo указываются в формате dd/mm/yyyy');
      const tf = has('timeFrom') ? parseHms(q.get('timeFrom')!) : 0;
      const tt = has('timeTo') ? parseHms(q.get('timeTo')!) : 86_399;
      if (tf === undefined || tt === undefined) return bad(res, 'Время timeFrom и timeTo указывается в формате hh:mm:ss');
      if (df >= dt) return bad(res, 'dateFrom должна быть меньше dateTo');
      if (dt - df > DAY_MS && page === undefined) return bad(res, 'Диапазон между dateFrom и dateTo более 1 дня: используйте пагинацию (параметры page и limit)');
      fromMs = df + tf * 1000;
      toMs = dt + tt * 1000;
    }
    const all = flag('withAllOrderOrigins');
    const manager = has('manager') ? q.get('manager') : undefined;
    const service = has('service') ? q.get('service') : undefined;
    // bindTo is accepted and ignored: its values were lost from the seed page.
    // withComments as the seed says: true — deals that have a comment, false or absent — deals without.
    const withComments = flag('withComments');
    const matches = (r: Obj): boolean => {
      if (!all && r.orderOrigin !== 'API') return false;
      if (Boolean(r._comment) !== withComments) return false;
      if (source && r.orderSource?.type !== source) return false;
      if (manager !== undefined && r.manager !== manager) return false;
      if (service !== undefined && String(r.service ?? '').toLowerCase() !== service!.toLowerCase()) return false;
      if (phone !== undefined && !String(r.client?.phones ?? '').split(/[,\s]+/).includes(phone)) return false;
      if (orderNumber !== undefined && r.orderNumber !== orderNumber) return false;
      const t = r._orderMs as number;
      return t >= fromMs && t <= toMs;
    };
    const withMs = (r: Obj, t: number) => ((r._orderMs = t), r);

    // Seeded candidates: an index range (by orderDate) unless a lookup narrows it.
    let lo = 0;
    let hi = n;
    if (fromMs !== -Infinity) {
      lo = lowerBound(fromMs);
      hi = lowerBound(toMs + 1);
    }
    const extras = created.map((on) => stored.get(on)!).filter((r) => matches(r));
    const offset = ((page ?? 1) - 1) * limit;
    const size = page === undefined ? Infinity : limit;
    const out: Obj[] = [];
    let seededTotal = 0;
    if (orderNumber !== undefined) {
      const m = orderNumber.startsWith(prefix) ? /^\d+$/.exec(orderNumber.slice(prefix.length)) : null;
      const i = m ? Number(m[0]) : -1;
      if (i >= 0 && i < n) {
        const r = withMs(seededRecord(i), dateOf(i));
        if (matches(r)) {
          seededTotal = 1;
          if (offset === 0) out.push(r);
        }
      }
    } else {
      // The matching seeded indices of one query, kept for its next pages (a comment is only
      // known once the deal is computed, so the count cannot be done by arithmetic).
      const key = JSON.stringify([lo, hi, all, withComments, source, manager, service, phone, fromMs, toMs]);
      let idx = scans.get(key);
      if (!idx) {
        idx = [];
        for (let i = lo; i < hi; i++) {
          if (phone !== undefined && phoneOf(i) !== phone && !stored.has(`${prefix}${i}`)) continue;
          if (!all && originOf(i) !== 'API') continue;
          if (matches(withMs(seededRecord(i), dateOf(i)))) idx.push(i);
        }
        if (scans.size >= 16) scans.delete(scans.keys().next().value!);
        scans.set(key, idx);
      }
      seededTotal = idx.length;
      for (let k = offset; k < idx.length && out.length < size; k++) out.push(withMs(seededRecord(idx[k]), dateOf(idx[k])));
    }
    const total = seededTotal + extras.length;
    for (let k = Math.max(0, offset - seededTotal); k < extras.length && out.length < size; k++) out.push(extras[k]);
    const records = out.map((r) => present(r, flag('withOrdersTags'), flag('withComments')));
    if (page === undefined) return send(res, 200, { records });
    return send(res, 200, { page, pageTotal: Math.max(1, Math.ceil(total / limit)), pageSize: limit, recordsTotal: total, records });
  }

  function present(r: Obj, tags: boolean, comments: boolean): Obj {
    const { _tags, _comment, _orderMs, _ctId, ...rest } = r;
    void _orderMs;
    void _ctId;
    const out: Obj = { ...rest };
    if (tags) out.tags = _tags && _tags.length ? _tags : null;
    if (comments) out.comment = _comment ?? null;
    return out;
  }

  function leadAuth(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.headers['access-token'] !== accessToken || req.headers['siteid'] !== siteId) {
      send(res, 401, { errorCode: 401, message: 'Неверный Access-Token или SiteId' });
      return false;
    }
    return true;
  }

  const tagList = (v: unknown): string[] =>
    Array.isArray(v) ? v.map((t) => (typeof t === 'string' ? t : String((t as Obj)?.tag ?? ''))).filter(Boolean) : [];
  const leadDate = (v: unknown): number | undefined => {
    if (typeof v !== 'string') return undefined;
    const m = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(v.trim());
    if (!m) return undefined;
    return Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  };

  function applyCommon(rec: Obj, o: Obj, now: number) {
    if (o.status !== undefined) {
      rec.orderStatus = String(o.status);
      rec.statusDate = formatDmyHms(leadDate(o.statusDate) ?? now);
    }
    if (o.revenue !== undefined) rec.plannedAmount = Number(o.revenue);
    if (o.margin !== undefined) rec.margin = Number(o.margin);
    if (o.manager !== undefined) rec.manager = o.manager;
    if (o.funnel !== undefined) rec.funnel = o.funnel;
    if (o.currency !== undefined) rec.currencyCode = o.currency;
    if (o.orderLink !== undefined) rec.orderLink = o.orderLink;
    if (o.orderName !== undefined) rec.orderName = o.orderName;
    if (Array.isArray(o.products)) rec.products = o.products.map((p: Obj) => ({ ...p, revenue: p.revenue ?? Math.round(Number(p.price ?? 0) * Number(p.quantity ?? 1) * 100) / 100 }));
    if (Array.isArray(o.customFields)) {
      rec.custom = { ...(rec.custom ?? {}) };
      for (const f of o.customFields) if (f?.field && f.value !== undefined && f.value !== '') rec.custom[f.field] = f.value;
    }
  }

  /** A lead-service body with its non-empty `orders` array, or null after answering 400. */
  async function readOrders(req: IncomingMessage, res: ServerResponse): Promise<{ body: Obj; orders: Obj[] } | null> {
    let body: Obj;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      bad(res, 'Тело запроса — не JSON');
      return null;
    }
    if (!Array.isArray(body?.orders) || body.orders.length === 0) {
      bad(res, 'Поле orders обязательно');
      return null;
    }
    return { body, orders: body.orders as Obj[] };
  }

  async function create(req: IncomingMessage, res: ServerResponse) {
    const read = await readOrders(req, res);
    if (!read) return;
    scans.clear();
    const { body, orders } = read;
    // The account's clock: Calltouch writes dates as Moscow wall-clock time.
    const now = wallClock(Date.now(), 'Europe/Moscow');
    const results: Obj[] = [];
    for (const o of orders) {
      const on = o.orderNumber ? String(o.orderNumber) : `ct-${nextCtId}`;
      const existing = stored.get(on);
      if (existing) {
        results.push({ calltouchOrderId: existing._ctId, orderNumber: on });
        continue;
      }
      const m = Array.isArray(o.matching) ? (o.matching[0] as Obj) : undefined;
      if (!m || typeof m.type !== 'string') return bad(res, 'Поле matching обязательно: укажите тип привязки');
      if (!MATCHING_TYPES.includes(m.type)) return bad(res, `Неизвестный тип привязки ${m.type}`);
      // Calltouch takes each type's parameters in a nested object named after it (callParams,
      // callContactParams, …); parameters next to `type` are not read, so the request is refused.
      const paramsKey = `${m.type}Params`;
      const d = m[paramsKey];
      if (!d || typeof d !== 'object' || Array.isArray(d)) {
        const flat = Object.keys(m).filter((k) => k !== 'type');
        return bad(res, `matching[0].${paramsKey}: обязательный объект параметров привязки типа ${m.type}${flat.length ? ` (поля ${flat.join(', ')} рядом с type не принимаются)` : ''}`);
      }
      if (m.type.endsWith('Contact')) {
        const modeKey = `${m.type.slice(0, -'Contact'.length)}TypeToMatch`;
        if (d[modeKey] !== undefined && d[modeKey] !== 'nearest' && d[modeKey] !== 'nearestUniq') return bad(res, `matching[0].${paramsKey}.${modeKey}: допустимы nearest или nearestUniq`);
        if (d.date !== undefined && leadDate(d.date) === undefined) return bad(res, `matching[0].${paramsKey}.date: формат dd-mm-yyyy hh:mm:ss`);
      }
      let orderSource: Obj;
      let phones: string[] = Array.isArray(d.phones) ? d.phones.map(String) : [];
      const emails: string[] = Array.isArray(d.emails) ? d.emails.map(String) : [];
      switch (m.type) {
        case 'call':
          if (!d.callId) return bad(res, 'Для привязки call укажите callParams.callId');
          orderSource = { callId: Number(d.callId), duration: 60, phoneNumber: '74991121187', type: 'CALL', ani: phones[0] ?? null, dateCall: formatDmyHms(now) };
          break;
        case 'request':
          if (!d.requestId) return bad(res, 'Для привязки request укажите requestParams.requestId');
          orderSource = { requestNumber: String(d.requestId), type: 'REQUEST' };
          break;
        case 'chat':
          if (!d.chatId) return bad(res, 'Для привязки chat укажите chatParams.chatId');
          orderSource = { chatId: String(d.chatId), type: 'CHAT' };
          break;
        case 'leadContact':
        case 'callContact':
        case 'requestContact':
        case 'chatContact':
          if (!phones.length && !emails.length) return bad(res, `Для привязки ${m.type} укажите ${paramsKey}.phones или ${paramsKey}.emails`);
          orderSource = m.type === 'requestContact' ? { requestNumber: String(7_000_000 + (nextCtId % 1_000_000)), type: 'REQUEST' } : { callId: 40_000_000 + (nextCtId % 1_000_000), duration: 42, phoneNumber: '74991121187', type: 'CALL', ani: phones[0] ?? null, dateCall: formatDmyHms(now) };
          break;
        default:
          return bad(res, `Неизвестный тип привязки ${m.type}`);
      }
      phones = phones.map((p) => p.replace(/\D/g, ''));
      const orderMs = leadDate(o.orderDate) ?? now;
      const rec: Obj = {
        client: { phones: phones.join(', ') || null, fio: o.fio ?? null, ...(emails.length ? { emails: emails.join(', ') } : {}) },
        completedAmount: null,
        completedDate: null,
        createdDate: formatDmyHms(now),
        isDeleted: false,
        manager: null,
        orderDate: formatDmyHms(orderMs),
        statusDate: formatDmyHms(now),
        updatedDate: null,
        orderNumber: on,
        orderOrigin: 'API',
        orderSource,
        orderStatus: null,
        plannedAmount: null,
        service: body.crm ?? null,
        visit: null,
        funnel: null,
        currencyCode: 'RUB',
        margin: null,
        orderLink: null,
        orderName: null,
        _ctId: nextCtId++,
        _orderMs: orderMs,
        _tags: tagList(o.addTags),
        _comment: o.comment?.text ?? (typeof o.comment === 'string' ? o.comment : undefined),
      };
      applyCommon(rec, o, now);
      stored.set(on, rec);
      created.push(on);
      results.push({ calltouchOrderId: rec._ctId, orderNumber: on });
    }
    send(res, 200, { data: { orders: results } });
  }

  async function update(req: IncomingMessage, res: ServerResponse) {
    const read = await readOrders(req, res);
    if (!read) return;
    scans.clear();
    const { orders } = read;
    // The account's clock: Calltouch writes dates as Moscow wall-clock time.
    const now = wallClock(Date.now(), 'Europe/Moscow');
    const results: Obj[] = [];
    for (const o of orders) {
      const on = String(o.orderNumber ?? '');
      if (!on) return bad(res, 'Поле orderNumber обязательно');
      // Calltouch documents `currency` as an ISO 4217 code; how the real service answers another
      // value is not documented, so the sandbox refuses it like its other validation errors.
      if (o.currency !== undefined && !/^[A-Z]{3}$/.test(String(o.currency))) {
        return bad(res, `Недопустимое значение currency «${String(o.currency)}»: укажите код валюты ISO 4217, например RUB`);
      }
      let rec = stored.get(on);
      if (!rec && on.startsWith(prefix) && /^\d+$/.test(on.slice(prefix.length)) && Number(on.slice(prefix.length)) < n) {
        const i = Number(on.slice(prefix.length));
        rec = { ...seededRecord(i), _orderMs: dateOf(i), _ctId: 100_000_000 + i };
        stored.set(on, rec);
      }
      if (!rec) return send(res, 404, { errorCode: 404, message: `Сделка с orderNumber ${on} не найдена` });
      applyCommon(rec, o, now);
      if (o.addNewComment?.text) rec._comment = rec._comment ? `${rec._comment}\n${o.addNewComment.text}` : o.addNewComment.text;
      if (o.addTags) {
        const tags = tagList(o.addTags.tags ?? o.addTags);
        rec._tags = o.addTags.overwrite ? tags : [...new Set([...(rec._tags ?? []), ...tags])];
      }
      rec.updatedDate = formatDmyHms(leadDate(o.updateDate) ?? now);
      results.push({ calltouchOrderId: rec._ctId, orderNumber: on });
    }
    send(res, 200, { data: { orders: results } });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '');
    const diary = /^\/calls-service\/RestAPI\/([^/]+)\/orders-diary\/orders$/.exec(path);
    const node = /^\/calls-service\/RestAPI\/([^/]+)\/getnodeid$/.exec(path);
    if (diary && req.method === 'GET') {
      if (diary[1] !== siteId) return send(res, 404, { errorCode: 404, message: `Сайт ${diary[1]} не найден` });
      return ordersDiary(url.searchParams, res);
    }
    if (node && req.method === 'GET') {
      if (node[1] !== siteId) return send(res, 404, { errorCode: 404, message: `Сайт ${node[1]} не найден` });
      if (url.searchParams.has('clientApiId') && url.searchParams.get('clientApiId') !== clientApiId) return send(res, 401, { errorCode: 401, message: 'Неверный clientApiId' });
      return send(res, 200, { nodeId });
    }
    if (path === '/lead-service/v1/api/client-order/create' && req.method === 'POST') return leadAuth(req, res) && create(req, res);
    if (path === '/lead-service/v1/api/client-order/update' && req.method === 'POST') return leadAuth(req, res) && update(req, res);
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<html><body>Not found</body></html>');
  }

  const outage = createSandboxOutage();
  const server = createServer((req, res) => {
    if (outage.handle(req, res)) return;
    const path = (req.url ?? '/').split('?')[0];
    res.on('finish', () => {
      stats.requests.push({ method: req.method ?? 'GET', path, status: res.statusCode });
      if (stats.requests.length > 1000) stats.requests.splice(0, 500);
    });
    const inj = injected.shift();
    const ip = req.socket.remoteAddress ?? 'unknown';
    const admitted = inj ? 'reject' : admit(ip);
    if (admitted === 'reject') {
      stats.rejected++;
      return send(res, inj ?? opts.rejectStatus ?? 503, { errorCode: inj ?? opts.rejectStatus ?? 503, message: 'Too many requests: не более 5 запросов в секунду с одного IP-адреса' }, { 'retry-after': String(retryAfter) });
    }
    const go = () => {
      stats.served++;
      handle(req, res).catch((error) => {
        if (!res.headersSent) send(res, 500, { errorCode: 500, message: String((error as Error).message) });
        else res.destroy();
      });
    };
    if (admitted === 'now') go();
    else admitted.then(go);
  });
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    baseUrl,
    outage,
    credentials: { siteId, clientApiId, accessToken, nodeHost: baseUrl },
    stats,
    seeded: n,
    resetStats() {
      stats.served = 0;
      stats.queued = 0;
      stats.rejected = 0;
      stats.maxPerSecond = 0;
      stats.requests = [];
    },
    injectRejections(count: number, status: 429 | 503 = 503) {
      injected = [...injected, ...Array.from({ length: count }, () => status)];
    },
    getOrder(orderNumber: string) {
      const r = stored.get(orderNumber);
      return r ? present(r, true, true) : undefined;
    },
    async close() {
      for (const s of perIp.values()) if (s.timer) clearTimeout(s.timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
