// bench/storage (issue 15): bytes on disk per webhook, split by table (indexes counted with their
// table), and the throughput of the same run — the JSON workload of bench/e2e (a 1.8 KB order →
// one http action with 9 mapped fields), N webhooks at 50 connections, then drained.
// Usage: node bench/storage.ts [webhooks=20000]
// With BASE_REF=<git ref>, that commit (a temporary git worktree) runs first in the same run:
// before and after side by side.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import autocannon from 'autocannon';
import { JSON_WORKLOAD_MAPPING, freePort, peakRssMb, retailcrmOrderJson, ROOT, spawnNode, startSvyazka, waitHttp, worktree } from './support.ts';

const total = Number(process.argv[2] ?? 20_000);
const body = retailcrmOrderJson();
const steps = [{ id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target', input: { method: 'POST', url: '/hit', body: JSON_WORKLOAD_MAPPING } }];

const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
const targetUrl = `http://127.0.0.1:${targetPort}`;
await waitHttp(targetUrl);

interface Measured {
  name: string;
  accepted: number;
  acceptedPerSecond: number;
  executionsPerSecond: number;
  p99: number;
  peakRss: number;
  fileBytes: number;
  tables: Map<string, number>;
}

async function measure(name: string, root: string): Promise<Measured> {
  const sv = await startSvyazka(root, steps, targetUrl);
  const started = Date.now();
  const r = await autocannon({ url: sv.url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: 50, amount: total, pipelining: 1 });
  const seconds = (Date.now() - started) / 1000;
  const dbPath = join(sv.dataDir, 'svyazka.db');
  const watch = new DatabaseSync(dbPath, { readOnly: true });
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; ) {
    const { n } = watch.prepare('SELECT count(*) AS n FROM executions WHERE finished_at IS NULL').get() as { n: number };
    if (n === 0) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const stats = watch.prepare(`SELECT count(*) AS n, min(created_at) AS first, max(finished_at) AS last FROM executions WHERE status = 'succeeded'`).get() as { n: number; first: number; last: number };
  watch.close();
  const peakRss = peakRssMb(sv.child.pid!);
  sv.child.kill('SIGTERM');
  await new Promise((res) => sv.child.once('exit', res));
  // Closed: the WAL is checkpointed into the file, which is what stays on disk.
  const db = new DatabaseSync(dbPath);
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const rows = db.prepare(`SELECT coalesce(s.tbl_name, d.name) AS tbl, sum(d.pgsize) AS bytes FROM dbstat d LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY tbl`).all() as Array<{ tbl: string; bytes: number }>;
  db.close();
  const fileBytes = statSync(dbPath).size;
  if (process.env.KEEP_DATA) console.log(`kept ${sv.dataDir}`);
  else rmSync(sv.dataDir, { recursive: true, force: true });
  return {
    name,
    accepted: r['2xx'],
    acceptedPerSecond: Math.round(r['2xx'] / seconds),
    executionsPerSecond: Math.round(stats.n / ((stats.last - stats.first) / 1000)),
    p99: r.latency.p99,
    peakRss,
    fileBytes,
    tables: new Map(rows.map((x) => [x.tbl, x.bytes])),
  };
}

const results: Measured[] = [];
const older = process.env.BASE_REF ? worktree(process.env.BASE_REF) : null;
if (older) results.push(await measure(`svyazka@${process.env.BASE_REF}`, older.root));
results.push(await measure('svyazka', ROOT));
older?.remove();
target.kill('SIGTERM');

const kb = (bytes: number, n: number) => (bytes / n / 1024).toFixed(2);
console.log(`${total} webhooks of ${Buffer.byteLength(body)} bytes (JSON), 50 connections; bytes per accepted webhook (KB), indexes with their table`);
for (const m of results) {
  const main = ['webhooks', 'executions', 'execution_steps'].map((t) => `${t} ${kb(m.tables.get(t) ?? 0, m.accepted)}`).join(', ');
  const rest = [...m.tables.entries()].filter(([t]) => !['webhooks', 'executions', 'execution_steps'].includes(t)).reduce((sum, [, b]) => sum + b, 0);
  console.log(`${m.name}: file ${kb(m.fileBytes, m.accepted)} KB per webhook (${(m.fileBytes / 1048576).toFixed(1)} MB) — ${main}, other tables ${kb(rest, m.accepted)}; ` +
    `${m.acceptedPerSecond} accepted/s (p99 ${m.p99} ms), ${m.executionsPerSecond} executions/s, peak RSS ${m.peakRss} MB`);
}
process.exit(0);
