// bench/retention (issue 15): retention on a large history while webhooks keep arriving.
// A real data dir (the server made it: migrations, workspace, the bench's JSON flow, and a few
// webhooks it ran) is filled with N webhooks spread over the last 60 days, each with its execution
// and step journal — copies of the rows the server itself wrote for one webhook, so the shapes and
// codings (compressed body, journal) are the product's. The server then starts on it with a plan that
// keeps 30 days (and SVYAZKA_PRUNE_EXECUTIONS=true), so about half the history is prunable; a
// fixed-rate load runs on /hooks/<token> and each answer's latency is counted from when it was due.
// Retention's first run comes 30 s after start (src/plans/retention.ts); its log line says when it
// ended and how long it took, which splits the answers into before / during / after.
// Usage: node bench/retention.ts [webhooks=1000000] [per second=300]
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { newId } from '../src/lib/ids.ts';
import { JSON_WORKLOAD_MAPPING, SERVER_FLAGS, freePort, retailcrmOrderJson, ROOT, spawnNode, startSvyazka, waitHttp } from './support.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const rate = Number(process.argv[3] ?? 300);
const DAY = 86_400_000;
const SPREAD_DAYS = 60;
const KEEP_DAYS = 30;
/** Answers due in the first seconds (connections opening, JIT) count in no window. */
const WARMUP_MS = 5_000;
const AFTER_MS = 30_000;
/** The whole run stops here even if retention never reports (a stall that long is the finding). */
const RUN_LIMIT_MS = 30 * 60_000;
const FILL_TX = 20_000;

const body = retailcrmOrderJson();
const steps = [{ id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target', input: { method: 'POST', url: '/hit', body: JSON_WORKLOAD_MAPPING } }];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The retention log line (src/plans/retention.ts pruneOnce), with pino's time. */
type Pruned = { webhooks: number; executions: number; storeRecords: number; ms: { total: number; prune: number; disk: number; reclaim: number }; time: number };

const loadAtStart = loadavg()[0].toFixed(2);
const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
const targetUrl = `http://127.0.0.1:${targetPort}`;
await waitHttp(targetUrl);

// 1. The server makes the data dir and writes the rows the fill copies.
const sv = await startSvyazka(ROOT, steps, targetUrl).catch((error: unknown) => {
  target.kill('SIGTERM');
  throw error;
});
const dataDir = sv.dataDir;
const dbPath = join(dataDir, 'svyazka.db');
const hookPath = new URL(sv.url).pathname;
let server = sv.child;
try {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(sv.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) throw new Error(`template webhook: ${res.status} ${await res.text()}`);
  }
  const watch = new DatabaseSync(dbPath, { readOnly: true });
  for (let i = 0; i < 300; i++) {
    const { n } = watch.prepare(`SELECT count(*) AS n FROM executions WHERE status = 'succeeded'`).get() as { n: number };
    if (n === 3) break;
    await sleep(100);
  }
  watch.close();
  await stop(server);

  // 2. The fill: N copies of one webhook, its execution and its steps, oldest first (as they arrive).
  const fillStarted = Date.now();
  const now = Date.now();
  fill(now - SPREAD_DAYS * DAY, now - 60_000);
  const fillSeconds = (Date.now() - fillStarted) / 1000;
  const before = fileFigures();
  console.log(`filled ${total.toLocaleString('en')} webhooks (+ executions, journals) over ${SPREAD_DAYS} days in ${fillSeconds.toFixed(0)} s; file ${mb(before.file)} MB, ${before.freePages} free pages`);

  // 3. The server on that history, keeping 30 days, under a fixed-rate load.
  const plans = join(dataDir, 'plans-30-days.json');
  writeFileSync(plans, JSON.stringify({ trialPlan: 'unlimited', plans: [{ id: 'unlimited', label: 'bench', transactionsPerMonth: 1e9, ordersPerMonth: 333333333, webhooksPerMonth: 1e9, historyDays: KEEP_DAYS, webhooksPerSecond: 1e6, marketplaceParsingDays: 60 }] }));
  const port = await freePort();
  const started = Date.now();
  server = spawnNode([...SERVER_FLAGS, join(ROOT, 'bin/svyazka.js'), 'serve'], {
    PORT: String(port), HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'info', SVYAZKA_PLANS_FILE: plans,
    SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1', SVYAZKA_PRUNE_EXECUTIONS: 'true',
  });
  // Set by the log reader; an object, so the checks below see the callback's write.
  const report: { pruned: Pruned | null } = { pruned: null };
  createInterface({ input: server.stdout! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as Pruned & { msg?: string; level?: number };
      if (entry.msg?.startsWith('retention: pruned')) report.pruned ??= entry;
      else if ((entry.level ?? 0) >= 40) console.error(line);
    } catch {
      // not a log line
    }
  });
  await waitHttp(`http://127.0.0.1:${port}/healthz`, 120_000);
  const ready = Date.now();
  const sizes: Array<{ at: number; file: number; wal: number }> = [];
  const sampler = setInterval(() => sizes.push({ at: Date.now(), ...walAndFile() }), 500);
  const samples = await fixedRate(`http://127.0.0.1:${port}`, hookPath, () => (report.pruned ? Date.now() > report.pruned.time + AFTER_MS : Date.now() - started > RUN_LIMIT_MS));
  const pruned = report.pruned;
  clearInterval(sampler);
  await stop(server);
  const after = fileFigures();
  const left = new DatabaseSync(dbPath, { readOnly: true });
  // Retention cut at its start (pruneOnce's `now`); a second of margin for the log's clock.
  const cutoff = (pruned ? pruned.time - pruned.ms.total : Date.now()) - KEEP_DAYS * DAY - 1_000;
  const old = left.prepare('SELECT (SELECT count(*) FROM webhooks WHERE received_at < ?) AS w, (SELECT count(*) FROM executions WHERE finished_at < ?) AS e').get(cutoff, cutoff) as { w: number; e: number };
  left.close();

  // 4. Figures.
  const loadStart = ready + WARMUP_MS;
  const pruneStart = pruned ? pruned.time - pruned.ms.total : Infinity;
  const pruneEnd = pruned ? pruned.time : Infinity;
  const deleted = pruned ? pruneStart + pruned.ms.prune : Infinity;
  const measured = pruned ? deleted + pruned.ms.disk : Infinity;
  const phases = [
    { name: 'deleting', from: pruneStart, to: deleted },
    { name: 'disk usage pass', from: deleted, to: measured },
    { name: 'giving pages back', from: measured, to: pruneEnd },
  ];
  const windows = [{ name: 'before', from: loadStart, to: pruneStart }, { name: 'during', from: pruneStart, to: pruneEnd }, ...phases.map((p) => ({ ...p, name: `  ${p.name}` })), { name: 'after', from: pruneEnd, to: pruneEnd + AFTER_MS }];
  console.log(`\n${total.toLocaleString('en')} webhooks of ${Buffer.byteLength(body)} B (JSON) over ${SPREAD_DAYS} days, plan keeps ${KEEP_DAYS}; load ${rate}/s fixed rate on /hooks; server up ${((ready - started) / 1000).toFixed(1)} s after start`);
  if (pruned) console.log(`retention: ${pruned.webhooks.toLocaleString('en')} webhooks, ${pruned.executions.toLocaleString('en')} executions (with journals) pruned; the run took ${sec(pruned.ms.total)} s from ${sec(pruneStart - started)} s after start: deleting ${sec(pruned.ms.prune)} s, disk usage pass ${sec(pruned.ms.disk)} s, giving pages back ${sec(pruned.ms.reclaim)} s`);
  else console.log(`retention: did not report within ${RUN_LIMIT_MS / 60_000} min`);
  console.log('window               answers     200  other  per s  p50 ms  p99 ms  max ms');
  for (const w of windows) {
    const inside = samples.filter((s) => s.due >= w.from && s.due < w.to);
    if (inside.length === 0) continue;
    const ms = inside.map((s) => s.ms).sort((a, b) => a - b);
    const ok = inside.filter((s) => s.status === 200).length;
    const seconds = (Math.min(w.to, inside.at(-1)!.due) - w.from) / 1000;
    console.log(`${w.name.padEnd(20)} ${String(inside.length).padStart(7)}  ${String(ok).padStart(6)}  ${String(inside.length - ok).padStart(5)}  ${String(Math.round(inside.length / seconds)).padStart(5)}  ${pct(ms, 0.5).padStart(6)}  ${pct(ms, 0.99).padStart(6)}  ${pct(ms, 1).padStart(6)}`);
  }
  const during = sizes.filter((s) => s.at >= pruneStart && s.at <= pruneEnd + 2_000);
  console.log(`file: ${mb(before.file)} MB before (${before.pages.toLocaleString('en')} pages, ${before.freePages.toLocaleString('en')} free) → ${mb(after.file)} MB after (${after.pages.toLocaleString('en')} pages, ${after.freePages.toLocaleString('en')} free, checkpointed at exit)`);
  console.log(`WAL during pruning: max ${mb(Math.max(0, ...during.map((s) => s.wal)))} MB; file during pruning max ${mb(Math.max(0, ...during.map((s) => s.file)))} MB`);
  console.log(`left older than the cut: ${old.w} webhooks, ${old.e} finished executions`);
  timeline(samples, loadStart, phases);
  console.log(`load average (1 min) at the start ${loadAtStart}, at the end ${loadavg()[0].toFixed(2)} (${availableParallelism()} cores)`);
} finally {
  await stop(server);
  target.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);

function fill(from: number, to: number): void {
  const db = new DatabaseSync(dbPath);
  db.exec('PRAGMA synchronous = OFF');
  db.exec('PRAGMA cache_size = -262144');
  const webhook = db.prepare('SELECT * FROM webhooks ORDER BY received_at LIMIT 1').get() as Record<string, unknown>;
  const execution = db.prepare('SELECT * FROM executions WHERE webhook_id = ?').get(webhook.id as string) as Record<string, unknown>;
  const journal = db.prepare('SELECT * FROM execution_steps WHERE execution_id = ? ORDER BY idx').all(execution.id as string) as Array<Record<string, unknown>>;
  const insert = (table: string, row: Record<string, unknown>) => db.prepare(`INSERT INTO ${table} (${Object.keys(row).join(',')}) VALUES (${Object.keys(row).map(() => '?').join(',')})`);
  const insWebhook = insert('webhooks', webhook);
  const insExecution = insert('executions', execution);
  const insSteps = journal.map((s) => insert('execution_steps', s));
  // Times keep their offsets from the webhook's arrival, as the server wrote them.
  const t0 = Number(webhook.received_at);
  const shift = (row: Record<string, unknown>, at: number, ids: Record<string, string>) =>
    Object.entries(row).map(([k, v]) => (k in ids ? ids[k] : k.endsWith('_at') && v !== null ? at + Number(v) - t0 : v)) as Array<null | number | string | Uint8Array>;
  const step = (to - from) / total;
  for (let i = 0; i < total; ) {
    db.exec('BEGIN');
    for (const end = Math.min(total, i + FILL_TX); i < end; i++) {
      const at = Math.round(from + i * step);
      const webhookId = newId('wh', at);
      const executionId = newId('ex', at);
      insWebhook.run(...shift(webhook, at, { id: webhookId }));
      insExecution.run(...shift(execution, at, { id: executionId, webhook_id: webhookId }));
      for (let k = 0; k < journal.length; k++) insSteps[k].run(...shift(journal[k], at, { execution_id: executionId }));
    }
    db.exec('COMMIT');
    if (i % 200_000 === 0) console.log(`  fill: ${i.toLocaleString('en')}`);
  }
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
}

interface Sample {
  due: number;
  ms: number;
  status: number;
}

/** POSTs at a fixed rate (not as fast as answers come): a stall shows as latency, counted from when each request was due. */
async function fixedRate(origin: string, path: string, done: () => boolean): Promise<Sample[]> {
  const pool = new Pool(origin, { connections: 256, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const samples: Sample[] = [];
  const inflight = new Set<Promise<void>>();
  const t0 = Date.now();
  const limit = Math.ceil((RUN_LIMIT_MS / 1000) * rate);
  for (let sent = 0; sent < limit && !done(); ) {
    const due = t0 + (sent * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) {
      await sleep(wait);
      continue;
    }
    sent++;
    const p: Promise<void> = pool
      .request({ path, method: 'POST', body, headers: { 'content-type': 'application/json' } })
      .then(async (res) => {
        await res.body.dump();
        samples.push({ due, ms: Date.now() - due, status: res.statusCode });
      })
      .catch(() => void samples.push({ due, ms: Date.now() - due, status: 0 }))
      .finally(() => void inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  await pool.close();
  return samples;
}

function timeline(samples: Sample[], from: number, phases: Array<{ name: string; from: number; to: number }>): void {
  const STEP = 5_000;
  const rows: string[] = [];
  for (let t = from; t < samples.at(-1)!.due; t += STEP) {
    const ms = samples.filter((s) => s.due >= t && s.due < t + STEP).map((s) => s.ms).sort((a, b) => a - b);
    if (ms.length === 0) continue;
    const phase = phases.filter((p) => p.from < t + STEP && p.to > t).map((p) => p.name).join(' + ');
    rows.push(`${String(Math.round((t - from) / 1000)).padStart(4)} s  p99 ${pct(ms, 0.99).padStart(5)}  max ${pct(ms, 1).padStart(5)}  ${phase}`);
  }
  console.log(`every 5 s from the end of warm-up (ms; retention's part running then):\n  ${rows.join('\n  ')}`);
}

function pct(sorted: number[], q: number): string {
  return String(Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]));
}

function sec(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

function walAndFile(): { file: number; wal: number } {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return { file: size(dbPath), wal: size(`${dbPath}-wal`) };
}

/** With the server stopped: the file's size and pages, the WAL checkpointed into it. */
function fileFigures(): { file: number; pages: number; freePages: number } {
  const db = new DatabaseSync(dbPath);
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const pages = Number((db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count);
  const freePages = Number((db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count);
  db.close();
  return { file: statSync(dbPath).size, pages, freePages };
}

async function stop(child: typeof server): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(60_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
