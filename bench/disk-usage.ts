// bench/disk-usage (issue 15): what the disk measure and the disk limit cost on a large history.
// N webhooks, each with its execution and one step journal (a 900-byte body, 600-byte input and
// output), spread over 30 days in one workspace of a SQLite data dir, written directly; then the
// measure's first pass (every hour), the next pass 10 minutes later, one 13 hours later (stale hours
// read again), and the disk limit set to 90 % of what was measured. Each reports its time, its
// batches and the longest stretch the event loop was held between two yields (what intake waits).
// Usage: node bench/disk-usage.ts [webhooks=1000000]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { pino } from 'pino';
import { enforceDiskLimits } from '../src/plans/disk-limit.ts';
import { DEFAULT_CATALOG, type Plan } from '../src/plans/catalog.ts';
import { measureWorkspace } from '../src/plans/storage-usage.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'svyazka-disk-'));
const store = new SqliteStore(join(dir, 'svyazka.db'));
await store.migrate();
const ws = await store.ensureWorkspace('big', 'big');
const db = (store as unknown as { db: { raw: DatabaseSync } }).db.raw;
const now = Date.now();
const span = 30 * 86_400_000;
const raw = randomBytes(900);
const headers = JSON.stringify({ 'content-type': 'application/json', 'user-agent': 'RetailCRM/1.0', 'x-forwarded-for': '10.0.0.1' });
const io = JSON.stringify({ x: 'y'.repeat(600) });
const insW = db.prepare(`INSERT INTO webhooks (id, workspace_id, flow_id, method, headers, query, body, body_kind, content_type, size, ip, status, error, received_at, raw)
  VALUES (?, ?, 'fl_1', 'POST', ?, '{}', '', 'json', 'application/json', 1800, '10.0.0.1', 'accepted', NULL, ?, ?)`);
const insE = db.prepare(`INSERT INTO executions (id, workspace_id, flow_id, flow_version, webhook_id, origin, status, trigger, error, error_step, retries, next_run_at, created_at, started_at, finished_at, updated_at)
  VALUES (?, ?, 'fl_1', 1, ?, 'webhook', 'succeeded', '', NULL, NULL, 0, ?, ?, ?, ?, ?)`);
const insS = db.prepare(`INSERT INTO execution_steps (execution_id, step_id, idx, type, status, input, output, error, attempts, transactions, resume_at, started_at, finished_at)
  VALUES (?, 'send', 1, 'action', 'succeeded', ?, ?, NULL, 1, 1, NULL, ?, ?)`);
db.exec('BEGIN');
for (let i = 0; i < n; i++) {
  const at = now - span + Math.floor((i / n) * span);
  const id = `wh_${i.toString().padStart(12, '0')}`;
  const ex = `ex_${i.toString().padStart(12, '0')}`;
  insW.run(id, ws.id, headers, at, raw);
  insE.run(ex, ws.id, id, at, at, at, at + 50, at + 50);
  insS.run(ex, io, io, at, at + 50);
  if (i % 50_000 === 49_999) db.exec('COMMIT; BEGIN');
}
db.exec('COMMIT');
db.exec('PRAGMA wal_checkpoint(TRUNCATE)');

let longest = 0;
let batches = 0;
let last = 0;
const pause = async () => {
  longest = Math.max(longest, performance.now() - last);
  batches++;
  await new Promise((r) => setImmediate(r));
  last = performance.now();
};
async function timed(label: string, fn: () => Promise<string>) {
  longest = 0;
  batches = 0;
  last = performance.now();
  const t = performance.now();
  const what = await fn();
  console.log(`${label}: ${Math.round(performance.now() - t)} ms, ${batches} batches, longest hold ${longest.toFixed(1)} ms; ${what}`);
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]?.toFixed(1) ?? '-';
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
const usage = async () => {
  const u = await store.plans.storageUsage(ws.id);
  return `history ${mb(u.historyBytes)}, journals ${mb(u.journalBytes)}`;
};

console.log(`${n} webhooks + executions + steps over 30 days, SQLite`);
for (const [label, at] of [['first pass (every hour)', now], ['next pass, 10 min later', now + 600_000], ['a pass 13 h later', now + 13 * 3_600_000]] as const) {
  await timed(label, async () => `${await measureWorkspace(store.plans, ws.id, { now: at, historyDays: 30, pause })} hours; ${await usage()}`);
}
// The longest single prune batch (one write transaction) and the space given back at the end, apart.
const batchMs: number[] = [];
const pruneOverLimit = store.plans.pruneOverLimit.bind(store.plans);
store.plans.pruneOverLimit = async (q) => {
  const t = performance.now();
  const r = await pruneOverLimit(q);
  batchMs.push(performance.now() - t);
  return r;
};
let reclaimMs = 0;
const reclaimSpace = store.plans.reclaimSpace.bind(store.plans);
store.plans.reclaimSpace = async (pages) => {
  const t = performance.now();
  await reclaimSpace(pages);
  reclaimMs += performance.now() - t;
};
const measured = await store.plans.storageUsage(ws.id);
const limit = Math.floor((measured.historyBytes + measured.journalBytes) * 0.9);
const plan: Plan = { ...DEFAULT_CATALOG.plans[5], historyBytes: limit };
await timed(`disk limit at 90 % (${mb(limit)})`, async () => {
  const pass = await enforceDiskLimits({ store, plans: { planOf: () => plan, prepare: async () => {} }, logger: pino({ level: 'silent' }) }, now + 13 * 3_600_000 + 600_000, pause);
  return `${pass.webhooks} webhooks and ${pass.executions} executions pruned (${mb(pass.bytes)}), prune batches p50 ${pct(batchMs, 0.5)} / p99 ${pct(batchMs, 0.99)} / max ${pct(batchMs, 1)} ms, reclaimSpace ${reclaimMs.toFixed(0)} ms, ${pass.measuredHours} hours measured; ${await usage()}`;
});
await store.close();
rmSync(dir, { recursive: true, force: true });
