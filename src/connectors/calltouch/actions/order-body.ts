// Input → lead-service order body, shared by order.create and order.update. The kit has coerced
// each input by its field's type (lists, numbers, JSON); what is left here is Calltouch's shape:
// list items as text, dates in the account's format, products and custom fields as it wants them.
import { PermanentError } from '../../../connector-kit/errors.ts';
import { formatDmyHms, wallClock } from '../client.ts';

type Obj = Record<string, any>;

export const isUnset = (v: unknown) => v === undefined || v === null || v === '';

/** A list input's items as text: `{tag}`, `{name}`, `{number}` or `{value}` objects give that field. */
export function list(v: unknown, field: string): string[] | undefined {
  if (isUnset(v)) return undefined;
  const items = Array.isArray(v) ? v : typeof v === 'string' || typeof v === 'number' ? [v] : null;
  if (!items) throw new PermanentError(`Поле ${field}: ожидается список (массив или значения через запятую)`);
  return items.map((x) => (typeof x === 'object' && x ? String((x as Obj).tag ?? (x as Obj).name ?? (x as Obj).number ?? (x as Obj).value ?? '') : String(x)).trim()).filter(Boolean);
}

export function num(v: unknown, field: string): number | undefined {
  if (isUnset(v)) return undefined;
  const n = typeof v === 'number' ? v : Number(String(v).replace(/\s/g, '').replace(',', '.'));
  if (!Number.isFinite(n)) throw new PermanentError(`Поле ${field}: ожидается число, получено «${String(v)}»`);
  return n;
}

export function text(v: unknown): string | undefined {
  return isUnset(v) ? undefined : String(v).trim() || undefined;
}

/**
 * Accepts dd-mm-yyyy hh:mm:ss, dd/mm/yyyy[ hh:mm:ss], yyyy-mm-dd[Thh:mm[:ss]] (wall clock of the
 * account, kept as written) or an instant (ISO with a zone, a Date) shown in `timeZone` →
 * dd-mm-yyyy hh:mm:ss.
 */
export function leadDate(v: unknown, field: string, timeZone: string): string | undefined {
  if (isUnset(v)) return undefined;
  const s = String(v).trim();
  let m = /^(\d{2})[-/.](\d{2})[-/.](\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
  m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) return `${m[3]}-${m[2]}-${m[1]} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
  const t = Date.parse(s);
  if (!Number.isNaN(t)) return formatDmyHms(wallClock(t, timeZone), '-');
  throw new PermanentError(`Поле ${field}: ожидается дата dd-mm-yyyy hh:mm:ss, получено «${s}»`);
}

/** Now on the account's clock. */
export const nowLeadDate = (timeZone: string, now = Date.now()) => formatDmyHms(wallClock(now, timeZone), '-');

export function customFields(v: unknown): Array<{ field: string; value: unknown }> | undefined {
  if (isUnset(v)) return undefined;
  const val = v;
  if (Array.isArray(val)) return val.filter((x) => x && typeof x === 'object' && (x as Obj).field).map((x) => ({ field: String((x as Obj).field), value: (x as Obj).value }));
  if (val && typeof val === 'object') return Object.entries(val as Obj).map(([field, value]) => ({ field, value }));
  throw new PermanentError('Поле customFields: ожидается объект {"поле": "значение"} или массив [{"field","value"}]');
}

export function products(v: unknown): Obj[] | undefined {
  if (isUnset(v)) return undefined;
  const val = v;
  if (!Array.isArray(val)) throw new PermanentError('Поле products: ожидается массив товаров [{name, price, quantity, …}]');
  return val.map((p, i) => {
    if (!p || typeof p !== 'object') throw new PermanentError(`Поле products.${i}: ожидается объект товара`);
    const o = p as Obj;
    const name = text(o.name);
    if (!name) throw new PermanentError(`Поле products.${i}.name: обязательно`);
    const out: Obj = { name };
    for (const k of ['brand', 'category', 'variant', 'externalId']) if (!isUnset(o[k])) out[k] = String(o[k]);
    for (const k of ['price', 'quantity', 'revenue', 'margin']) {
      const n = num(o[k], `products.${i}.${k}`);
      if (n !== undefined) out[k] = n;
    }
    return out;
  });
}

/** Fields both create and update send. */
export function commonOrderFields(input: Obj, timeZone: string): Obj {
  const o: Obj = {};
  const status = text(input.status);
  if (status) {
    o.status = status;
    o.statusDate = leadDate(input.statusDate, 'statusDate', timeZone) ?? nowLeadDate(timeZone);
  }
  const revenue = num(input.revenue, 'revenue');
  if (revenue !== undefined) o.revenue = revenue;
  const margin = num(input.margin, 'margin');
  if (margin !== undefined) o.margin = margin;
  for (const k of ['manager', 'funnel', 'currency', 'orderName', 'orderLink']) {
    const v = text(input[k]);
    if (v) o[k] = v;
  }
  const cf = customFields(input.customFields);
  if (cf) o.customFields = cf;
  const pr = products(input.products);
  if (pr) o.products = pr;
  return o;
}
