// `order.new` (Новая сделка в журнале): polls the deal journal over a look-back window and emits
// each new deal once and each changed deal (a new updatedDate) once. The cursor — every deal in the
// window with the version last emitted — is returned for the engine to persist with the new
// executions, so a restart neither loses nor repeats a deal. The first poll only takes a baseline.
import type { PollResult, TriggerContext, TriggerDefinition, TriggerEvent } from '../../../connector-kit/types.ts';
import { CalltouchClient, commentsChoice, formatDmy, wallClock } from '../client.ts';
import { newOrderOptions, recordFields } from '../fields.ts';

type Obj = Record<string, any>;
const DAY_MS = 86_400_000;

export interface OrderNewCursor {
  /** orderNumber → version (updatedDate ?? createdDate) already emitted or baselined. */
  seen: Record<string, string>;
}

function intervalMs(options: Record<string, unknown>): number {
  const s = Number(options?.intervalSeconds ?? 300);
  return Math.max(10, Number.isFinite(s) ? s : 300) * 1000;
}

function versionOf(r: Obj): string {
  return String(r.updatedDate ?? r.createdDate ?? r.orderDate ?? '');
}

const flag = (v: unknown, dflt: boolean) => (v === undefined || v === null || v === '' ? dflt : v === true || v === 'true');

export async function pollNewOrders(ctx: TriggerContext, rawCursor: unknown, now = Date.now()): Promise<PollResult> {
  const options = ctx.options ?? {};
  const lookback = Math.max(1, Math.min(90, Math.floor(Number(options.lookbackDays ?? 7)) || 7));
  const emitChanged = flag(options.emitChanged, true);
  const client = new CalltouchClient(ctx);
  // Today on the account's clock: the journal's dates are the account's wall-clock dates.
  const today = Math.floor(wallClock(now, client.timeZone) / DAY_MS) * DAY_MS;
  const prev = rawCursor && typeof rawCursor === 'object' && (rawCursor as OrderNewCursor).seen ? (rawCursor as OrderNewCursor).seen : undefined;
  const seen: Record<string, string> = {};
  const events: TriggerEvent[] = [];
  const params = {
    dateFrom: formatDmy(today - lookback * DAY_MS),
    // Through tomorrow: dateTo must be after dateFrom, and a deal may be dated ahead of our clock.
    dateTo: formatDmy(today + DAY_MS),
    withOrdersTags: true,
    // Unset: every deal, with a comment or without (two passes; see CalltouchClient.exportOrders).
    withComments: commentsChoice(options.comments, 'comments'),
    withAllOrderOrigins: flag(options.withAllOrderOrigins, true),
  };
  for await (const r of client.exportOrders(params)) {
    const on = String(r.orderNumber ?? '');
    if (!on) continue;
    const version = versionOf(r);
    seen[on] = version;
    if (!prev) continue;
    const before = prev[on];
    if (before === undefined) events.push({ payload: { event: 'new', ...r }, dedupeKey: `${on}@${version}` });
    else if (before !== version && emitChanged) events.push({ payload: { event: 'changed', ...r }, dedupeKey: `${on}@${version}` });
  }
  return { events, cursor: { seen } satisfies OrderNewCursor };
}

export const orderNew: TriggerDefinition = {
  id: 'order.new',
  label: { ru: 'Новая сделка в журнале', en: 'New deal in the journal' },
  description: 'Опрашивает журнал сделок: каждая новая сделка и каждое изменение сделки (updatedDate) — один запуск связки.',
  fields: [{ id: 'event', label: 'Событие: new или changed', type: 'string' }, ...recordFields],
  extensibleFields: true,
  delivery: 'poll',
  options: newOrderOptions,
  checkOptions(options) {
    const s = options?.intervalSeconds;
    if (s !== undefined && s !== '' && !(Number(s) >= 10)) return 'intervalSeconds: не меньше 10 секунд';
    const d = options?.lookbackDays;
    if (d !== undefined && d !== '' && !(Number(d) >= 1 && Number(d) <= 90)) return 'lookbackDays: от 1 до 90 дней';
    const c = options?.comments;
    if (c !== undefined && c !== null && c !== '' && !['all', 'with', 'without'].includes(String(c))) return 'comments: допустимы all, with или without';
    return null;
  },
  poll: (ctx, cursor) => pollNewOrders(ctx, cursor),
  // Nothing seen yet: every deal of the look-back window counts as new.
  sampleCursor: () => ({ seen: {} }) satisfies OrderNewCursor,
  nextRunDelayMs: (options) => intervalMs(options),
};
