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
  /** The editor's "fetch a sample": a starting point from which `fetch` reports recent items. */
  sampleStart?(now: Date): Cursor;
  /** What is new since the cursor, and where the next poll goes on from. */
  fetch(ctx: PollContext<Values<Fs>>, cursor: Cursor, now: Date): Promise<{ items: Item[]; cursor: Cursor }>;
  /**
   * One change of one item: equal for the same change seen again (an overlapping page, a
   * re-read window), different for every real change — e.g. `${id}@${updatedAt}` or the history
   * record id. The store starts one execution per key and flow.
   */
  keyOf(item: Item): string;
  /** The event's payload (`trigger` in templates); the item itself by default. */
  payloadOf?(item: Item): Record<string, unknown>;
}

export const INTERVAL_OPTION = 'intervalSeconds';

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
  const optionFields: readonly FieldDef[] = [...(spec.options ?? []), intervalField(spec.interval)];
  const contextOf = (ctx: TriggerContext): PollContext<Values<Fs>> => {
    const parsed = parseFields(optionFields, ctx.options);
    // Options were checked when the flow was saved; a flow saved under older rules runs on its raw options.
    return { ...ctx, options: (parsed.ok ? parsed.value : ctx.options) as Values<Fs> };
  };
  return {
    id: spec.id,
    label: spec.label,
    description: spec.description,
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
        from = await spec.start(pctx, now);
        if (!spec.deliverFromStart) return { events: [], cursor: from };
      }
      const { items, cursor } = await spec.fetch(pctx, from, now);
      const events: TriggerEvent[] = [];
      const keys = new Set<string>();
      for (const item of items) {
        const key = spec.keyOf(item);
        if (keys.has(key)) continue;
        keys.add(key);
        events.push({ payload: spec.payloadOf ? spec.payloadOf(item) : (item as Record<string, unknown>), dedupeKey: key });
      }
      return { events, cursor };
    },
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
