// bench/scale-limit: the shared rate limit across worker processes, read from the service's side.
// 1 web + 2 worker processes on PostgreSQL + Redis run the flow "webhook → RetailCRM order.create"
// against the RetailCRM sandbox (10 req/s per client, 503 beyond, like nginx in front of the API).
// N webhooks go in at once; when every execution has finished, the sandbox's own request log is
// read: the most requests in any 1,000 ms window (sliding, and per calendar second), the 503s, the
// orders created. The limit is the connector's 10 req/s, shared in Redis by both workers.
// Usage: node bench/scale-limit.ts [webhooks=300] — needs PostgreSQL (BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test; a database is created and dropped) and Redis
// (BENCH_REDIS_URL, default redis://127.0.0.1:6379; keys under a fresh prefix, removed after).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openServices } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRetailcrmSandbox } from '../src/connectors/retailcrm/sandbox.ts';
import { deletePrefix, openRedis } from '../src/queue/redis.ts';
import { SERVER_FLAGS, freePort, ROOT, spawnNode, waitHttp } from './support.ts';

const N = Number(process.argv[2] ?? 300);
const SENDERS = 20;
const WORKERS = 2;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const crm = await startRetailcrmSandbox({ host: '127.0.0.1' });
const dbName = `svz_bench_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(ADMIN_URL);
dbUrl.pathname = `/${dbName}`;
const databaseUrl = dbUrl.toString();
const prefix = `svyazka-bench-${randomBytes(5).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-scale-limit-'));
const env: Record<string, string> = {
  HOST: '127.0.0.1',
  SVYAZKA_DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  SVYAZKA_PLANS_FILE: join(ROOT, 'bench/plans-unlimited.json'),
  SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1',
  DATABASE_URL: databaseUrl,
  REDIS_URL,
  SVYAZKA_REDIS_PREFIX: prefix,
};

const s = await openServices(loadConfig({ ...env, PORT: '0' }));
await s.connections.save(s.defaultWorkspace.id, { name: 'retailcrm', connector: 'retailcrm', auth: crm.credentials });
const flow = await s.flows.save(s.defaultWorkspace.id, {
  name: 'shared limit bench',
  enabled: true,
  trigger: { connector: 'webhook', event: 'incoming' },
  steps: [
    { id: 'create', type: 'action', connector: 'retailcrm', action: 'order.create', connection: 'retailcrm', input: { number: 'SL-{{trigger.n}}', firstName: 'Bench {{trigger.n}}', phone: '+7 900 000-00-00' } },
  ],
});
await s.store.close();

const procs: Array<{ kill(): void }> = [];
const start = async (role: string): Promise<number> => {
  const port = await freePort();
  const child = spawnNode([...SERVER_FLAGS, join(ROOT, 'bin/svyazka.js'), 'serve'], { ...env, PORT: String(port), SVYAZKA_ROLE: role });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  procs.push({ kill: () => child.kill('SIGTERM') });
  return port;
};
const webPort = await start('web');
for (let i = 0; i < WORKERS; i++) await start('worker');

const ordersBefore = crm.state.orders.length;
const logStart = crm.outage.log.length;
const hook = `http://127.0.0.1:${webPort}/hooks/${flow.hookToken}`;
let next = 0;
let accepted = 0;
await Promise.all(
  Array.from({ length: SENDERS }, async () => {
    while (next < N) {
      const n = next++;
      const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
      await res.arrayBuffer();
      if (res.status === 200) accepted++;
    }
  }),
);

// Drained: every execution finished (bounded: N requests at 10/s, plus a margin).
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const deadline = Date.now() + (N / 10) * 1000 * 3 + 60_000;
let stats = { succeeded: 0, unfinished: N };
while (Date.now() < deadline) {
  const { rows } = await db.query(`SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded, count(*) FILTER (WHERE finished_at IS NULL)::int AS unfinished FROM executions`);
  stats = rows[0];
  if (stats.unfinished === 0) break;
  await new Promise((res) => setTimeout(res, 500));
}
await db.end();

// The sandbox's own log: every API request it answered, with its arrival time on its clock.
const api = crm.outage.log.slice(logStart).filter((e) => e.path.startsWith('/api/'));
const times = api.map((e) => e.at).sort((a, b) => a - b);
let maxWindow = 0;
let worstAt = 0;
for (let i = 0, j = 0; j < times.length; j++) {
  while (times[j] - times[i] >= 1000) i++;
  if (j - i + 1 > maxWindow) [maxWindow, worstAt] = [j - i + 1, i];
}
// The busiest window's arrivals, ms after its first (to tell a burst from a steady overrun).
const worstWindow = times.slice(worstAt, worstAt + maxWindow).map((t) => t - times[worstAt]);
const perSecond = new Map<number, number>();
for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
const spanS = times.length > 1 ? (times[times.length - 1] - times[0]) / 1000 : 0;
const result = {
  webhooks: N,
  accepted,
  executionsSucceeded: stats.succeeded,
  unfinished: stats.unfinished,
  ordersCreated: crm.state.orders.length - ordersBefore,
  apiRequests: times.length,
  spanSeconds: Number(spanS.toFixed(1)),
  averagePerSecond: Number((times.length / Math.max(spanS, 0.001)).toFixed(2)),
  maxInAny1000msWindow: maxWindow,
  maxInACalendarSecond: Math.max(0, ...perSecond.values()),
  answered503: api.filter((e) => e.status === 503).length,
  rateLimited503: crm.rateLimited(),
  worstWindow,
};
console.log(JSON.stringify(result));
// The test is the log's seconds (calendar seconds, as a log viewer groups them) and its
// 503s; the sliding window is stricter and shows how much send-side jitter bunches arrivals.
const ok = result.maxInACalendarSecond <= 10 && result.answered503 === 0;
console.log(
  `${WORKERS} workers, limit 10 req/s: at most ${result.maxInACalendarSecond} requests in a calendar second, ${result.maxInAny1000msWindow} in any sliding 1,000 ms window, ` +
    `${result.answered503} × 503, ${result.ordersCreated} orders for ${accepted} webhooks — ${ok ? 'ok' : 'OVER THE LIMIT'}`,
);

for (const p of procs) p.kill();
await new Promise((res) => setTimeout(res, 500));
await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
await admin.end();
const redis = openRedis({ url: REDIS_URL, prefix }, { waitForever: false, name: 'bench-cleanup' });
await deletePrefix(redis, prefix);
redis.disconnect();
await crm.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
