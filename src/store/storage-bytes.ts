// How many bytes a row of history or journal takes, as SQL both stores run (src/plans/storage-usage.ts
// measures with it, the disk limit subtracts with it, so the two always agree): each text and blob
// column's stored size — SQLite's octet_length and PostgreSQL's pg_column_size read it from the
// record header or the TOAST pointer, without loading the value — scaled to what the row costs its
// table with the indexes (ROW_SIZE).

export type Dialect = 'sqlite' | 'postgres';

/** The variable-size columns (text and blobs) of each table; numbers are in ROW_SIZE's `plus`. */
const COLUMNS = {
  webhooks: ['id', 'workspace_id', 'flow_id', 'method', 'headers', 'query', 'body', 'body_kind', 'content_type', 'ip', 'status', 'error', 'raw'],
  executions: ['id', 'workspace_id', 'flow_id', 'webhook_id', 'origin', 'status', 'trigger', 'error', 'error_step', 'dedupe_key', 'claimed_by'],
  execution_steps: ['execution_id', 'step_id', 'type', 'status', 'input', 'output', 'error', 'sealed_output'],
} as const;

export type MeasuredTable = keyof typeof COLUMNS;

/**
 * From the columns' bytes to the row's share of its table: `percent` of them (the pages' slack grows
 * with the row) plus `plus` bytes (numbers, record header, index entries). Fitted on the JSON
 * workload with 1.8 KB and 10-byte bodies (6,000 webhooks each): the dbstat of each table with its
 * indexes on SQLite, by page size (new databases have 16 KB pages, older ones keep 4 KB); on
 * PostgreSQL pg_total_relation_size after VACUUM, whose executions carry the dead versions their
 * updates leave. Within 10 % of the real size on both (docs/storage.md).
 */
const ROW_SIZE = {
  sqlite4k: { webhooks: { percent: 112, plus: 145 }, executions: { percent: 110, plus: 343 }, execution_steps: { percent: 122, plus: 46 } },
  sqlite16k: { webhooks: { percent: 100, plus: 193 }, executions: { percent: 100, plus: 398 }, execution_steps: { percent: 100, plus: 100 } },
  postgres: { webhooks: { percent: 105, plus: 215 }, executions: { percent: 110, plus: 660 }, execution_steps: { percent: 130, plus: 50 } },
} satisfies Record<string, Record<MeasuredTable, { percent: number; plus: number }>>;

/** SQL for the bytes of one row of `table` under the alias `as` (an integer); SQLite says its page size. */
export function rowBytesSql(dialect: Dialect, table: MeasuredTable, as: string, pageSize = 16_384): string {
  const size = dialect === 'sqlite' ? 'octet_length' : 'pg_column_size';
  const columns = COLUMNS[table].map((c) => `coalesce(${size}(${as}.${c}), 0)`).join(' + ');
  const { percent, plus } = ROW_SIZE[dialect === 'postgres' ? 'postgres' : pageSize >= 16_384 ? 'sqlite16k' : 'sqlite4k'][table];
  return dialect === 'sqlite' ? `((${columns}) * ${percent} / 100 + ${plus})` : `((${columns})::bigint * ${percent} / 100 + ${plus})`;
}

/** A row a measure or the disk limit reads: its time, its own bytes and its steps' (executions). */
export interface SizedRow {
  at: number;
  h: number;
  j: number;
}

/**
 * Sums one batch of a measure, rows in time order. A full batch leaves out the rows of its last
 * millisecond — the next batch starts there, so none is counted twice or missed. null: the whole
 * batch is one millisecond, which the store then sums in one statement of its own.
 */
export function sumBatch(rows: SizedRow[], batch: number): { historyBytes: number; journalBytes: number; next: number | null } | null {
  const full = rows.length >= batch;
  const last = rows.at(-1)?.at;
  if (full && rows[0].at === last) return null;
  let historyBytes = 0;
  let journalBytes = 0;
  for (const r of rows) {
    if (full && r.at === last) break;
    historyBytes += Number(r.h);
    journalBytes += Number(r.j);
  }
  return { historyBytes, journalBytes, next: full ? Number(last) : null };
}

export interface PruneCandidate extends SizedRow {
  id: string;
  /** An execution's webhook (null: a poll, schedule or manual run). */
  webhook?: string | null;
}

/**
 * The oldest of an hour's deletable webhooks and executions whose bytes together reach `excess`
 * (all of them when they do not). A webhook goes with its executions among them, so history never
 * keeps half of one. A list that filled its batch may hide older rows past its last one, so nothing
 * later than that is taken from the other list.
 */
export function chooseOldest(executions: PruneCandidate[], webhooks: PruneCandidate[], batch: number, excess: number) {
  const horizon = Math.min(executions.length >= batch ? Number(executions.at(-1)!.at) : Infinity, webhooks.length >= batch ? Number(webhooks.at(-1)!.at) : Infinity);
  const units = new Map(webhooks.map((w) => [w.id, { at: Number(w.at), webhooks: [w.id], executions: [] as string[], h: Number(w.h), j: 0 }]));
  const alone: Array<{ at: number; webhooks: string[]; executions: string[]; h: number; j: number }> = [];
  for (const e of executions) {
    const unit = e.webhook ? units.get(e.webhook) : undefined;
    if (unit) {
      unit.executions.push(e.id);
      unit.h += Number(e.h);
      unit.j += Number(e.j);
    } else {
      alone.push({ at: Number(e.at), webhooks: [], executions: [e.id], h: Number(e.h), j: Number(e.j) });
    }
  }
  const ordered = [...units.values(), ...alone].filter((u) => u.at <= horizon).sort((a, b) => a.at - b.at);
  const chosen = { executions: [] as string[], webhooks: [] as string[], historyBytes: 0, journalBytes: 0 };
  for (const u of ordered) {
    if (chosen.historyBytes + chosen.journalBytes >= excess) break;
    chosen.webhooks.push(...u.webhooks);
    chosen.executions.push(...u.executions);
    chosen.historyBytes += u.h;
    chosen.journalBytes += u.j;
  }
  return { ...chosen, more: executions.length >= batch || webhooks.length >= batch };
}
