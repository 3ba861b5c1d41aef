// Poll triggers written the short way: a connector says how to start, how to fetch what is new
// since a cursor and what identifies one change of one item; the kit owns the rest — the poll
// interval option, a stored cursor that no longer reads (a new shape) starting over, the
// first poll taking a starting point instead of replaying the past, one event per key within a
// poll, and the dedupe key that makes the store refuse a second execution for the same change.
import type { z } from 'zod';
import { field, parseFields, type Values } from './fields.ts';
import type { FieldDef, Label, PollResult, TriggerContext, TriggerDefinition, TriggerEvent } from './types.ts';

export interface PollContext<O> extends Omit<TriggerContext, 'options'> {
  /** The trigger's options, coerced by their field types. */
  options: O;
}

export interface PollTriggerSpec<Item, Cursor, Fs extends readonly FieldDef[]> {
  id: string;
  label: Label;
  description?: string;
  /** The event's fields (catalog). */
  fields: readonly FieldDef[];
  extensibleFields?: boolean;
  /** The trigger's own options; the kit adds `intervalSeconds`. */
  options?: Fs;
  interval: { defaultSeconds: number; minSeconds?: number };
  /** Checks a stored cursor; one that does not parse (an older shape) makes the next poll start over. */
  cursor: z.ZodType<Cursor>;
  /** The first poll: where to start from. Nothing before it is delivered, unless `deliverFromStart`. */
  start(ctx: PollContext<Values<Fs>>, now: Date): Promise<Cursor> | Cursor;
  /**
   * The first poll fetches from `start` at once instead of only taking it as the starting point:
   * marketplaces look back over the plan's parsing period (see `lookBackWindow`).
   */
  deliverFromStart?: boolean;
  /**
   * Offer the first poll's starting point as an option: the kit adds `start` ("now", the default:
   * nothing older than the first poll is delivered; "lookBack": the first poll delivers what
   * changed in the last `lookBackDays`) and says so in the trigger's description.
   */
  lookBack?: { defaultDays: number; maxDays: number; start(ctx: PollContext<Values<Fs>>, now: Date, days: number): Promise<Cursor> | Cursor };
  /** The editor's "fetch a sample": a starting point from which `fetch` reports recent items. */
  sampleStart?(now: Date): Cursor;
  /** What is new since the cursor, and where the next poll goes on from. */
  fetch(ctx: PollContext<Values<Fs>>, cursor: Cursor, now: Date): Promise<{ items: Item[]; cursor: Cursor; skipped?: PollResult['skipped'] }>;
  /**
   * One change of one item: equal for the same change seen again (an overlapping page, a
   * re-read window), different for every real change — e.g. `${id}@${updatedAt}` or the history
   * record id. The store starts one execution per key and flow.
   */
  keyOf(item: Item): string;
  /** The event's payload (`trigger` in templates); the item itself by default. */
  payloadOf?(item: Item): Record<string, unknown>;
  /** Counters kept in the cursor that the flow's view shows (e.g. own changes skipped so far). */
  statsOf?(cursor: Cursor): Record<string, number>;
}

export const INTERVAL_OPTION = 'intervalSeconds';
export const START_OPTION = 'start';
export const LOOK_BACK_DAYS_OPTION = 'lookBackDays';

function startFields(spec: { defaultDays: number; maxDays: number }): FieldDef[] {
  return [
    {
      id: START_OPTION,
      label: 'Первый опрос',
      labelEn: 'First poll',
      type: 'string',
      default: 'now',
      options: [
        { value: 'now', label: 'С текущего момента: более ранние события не приходят' },
        { value: 'lookBack', label: 'Забрать события за последние дни (lookBackDays)' },
      ],
      description: 'now (по умолчанию) — первый опрос только запоминает точку отсчёта; lookBack — первый опрос сразу приносит события за lookBackDays дней / now (default): the first poll only takes a starting point; lookBack: it delivers the last lookBackDays days',
    },
    field.number(LOOK_BACK_DAYS_OPTION, 'Сколько дней забрать при первом опросе', { labelEn: 'Look back on the first poll, days', default: spec.defaultDays, min: 0, max: spec.maxDays }),
  ];
}

const START_NOTE = ' Первый опрос по умолчанию начинает с текущего момента (start: now): события до включения связки не приходят; start: lookBack забирает события за lookBackDays дней.';

function intervalField(spec: { defaultSeconds: number; minSeconds?: number }) {
  const min = spec.minSeconds ?? 10;
  return field.number(INTERVAL_OPTION, 'Интервал опроса, сек', {
    labelEn: 'Poll interval, s',
    default: spec.defaultSeconds,
    min,
    description: `Как часто проверять новые события, не чаще раза в ${min} секунд; каждый опрос — это запросы к сервису (транзакции)`,
  });
}

/** Builds a poll trigger from a spec; the result is an ordinary TriggerDefinition. */
export function definePollTrigger<Item, Cursor, const Fs extends readonly FieldDef[] = []>(spec: PollTriggerSpec<Item, Cursor, Fs>): TriggerDefinition {
  const optionFields: readonly FieldDef[] = [...(spec.options ?? []), ...(spec.lookBack ? startFields(spec.lookBack) : []), intervalField(spec.interval)];
  const contextOf = (ctx: TriggerContext): PollContext<Values<Fs>> => {
    const parsed = parseFields(optionFields, ctx.options);
    // Options were checked when the flow was saved; a flow saved under older rules runs on its raw options.
    return { ...ctx, options: (parsed.ok ? parsed.value : ctx.options) as Values<Fs> };
  };
  return {
    id: spec.id,
    label: spec.label,
    description: spec.lookBack ? `${spec.description ?? ''}${START_NOTE}`.trim() : spec.description,
    fields: spec.fields,
    extensibleFields: spec.extensibleFields,
    delivery: 'poll',
    options: optionFields,
    async poll(ctx, stored): Promise<PollResult> {
      const pctx = contextOf(ctx);
      const now = ctx.now?.() ?? new Date();
      const known = stored === undefined || stored === null ? undefined : spec.cursor.safeParse(stored);
      let from: Cursor;
      if (known?.success) from = known.data;
      else {
        if (known) ctx.logger.warn({ trigger: spec.id }, 'stored poll cursor has an older shape: starting over');
        const options = pctx.options as Record<string, unknown>;
        if (spec.lookBack && options[START_OPTION] === 'lookBack') {
          from = await spec.lookBack.start(pctx, now, Number(options[LOOK_BACK_DAYS_OPTION] ?? spec.lookBack.defaultDays));
        } else {
          from = await spec.start(pctx, now);
          if (!spec.deliverFromStart) return { events: [], cursor: from };
        }
      }
      const { items, cursor, skipped } = await spec.fetch(pctx, from, now);
      const events: TriggerEvent[] = [];
      const keys = new Set<string>();
      for (const item of items) {
        const key = spec.keyOf(item);
        if (keys.has(key)) continue;
        keys.add(key);
        events.push({ payload: spec.payloadOf ? spec.payloadOf(item) : (item as Record<string, unknown>), dedupeKey: key });
      }
      return skipped ? { events, cursor, skipped } : { events, cursor };
    },
    pollStats: spec.statsOf
      ? (stored) => {
          const known = spec.cursor.safeParse(stored);
          return known.success ? spec.statsOf!(known.data) : {};
        }
      : undefined,
    sampleCursor: spec.sampleStart,
    nextRunDelayMs(options) {
      const parsed = parseFields(optionFields, options);
      const seconds = parsed.ok ? Number(parsed.value[INTERVAL_OPTION]) : spec.interval.defaultSeconds;
      return Math.max(spec.interval.minSeconds ?? 10, seconds) * 1000;
    },
  };
}

/**
 * How far back a poll may look: the flow's own `days` if it set one, never more than the plan's
 * parsing period (`ctx.parsingDays`, set by the engine), `fallbackDays` when neither says.
 */
export function lookBackWindow(ctx: Pick<TriggerContext, 'parsingDays'>, now: Date, days?: number, fallbackDays = 30): { from: Date; to: Date; days: number } {
  const cap = ctx.parsingDays ?? days ?? fallbackDays;
  const chosen = Math.max(0, Math.min(days ?? cap, cap));
  return { from: new Date(now.getTime() - chosen * 86_400_000), to: now, days: chosen };
}
