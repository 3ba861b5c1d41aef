// bench/scale: the e2e workload (webhook → filter → http action to a local target) on SQLite in
// one process, beside PostgreSQL + Redis with 1 web + 1 worker and with 1 web + 2 workers, in the
// same run. Reports completed executions/s, the webhook answer's p99, and CPU-seconds per 1,000
// executions for each kind of process (svyazka web / worker / all, postgres, redis-server).
// Usage: node bench/scale.ts [seconds] — needs PostgreSQL (BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test, a database per layout is created and dropped) and
// Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379, keys under a fresh prefix, removed after).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { openServices } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { deletePrefix, openRedis } from '../src/queue/redis.ts';
import { SERVER_FLAGS, freePort, load, retailcrmOrderForm, ROOT, spawnNode, waitHttp } from './support.ts';

const seconds = Number(process.argv[2] ?? 10);
const CONNECTIONS = 50;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const body = retailcrmOrderForm();
const FORM = 'application/x-www-form-urlencoded';
const TICKS = 100; // USER_HZ on Linux

const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
const targetUrl = `http://127.0.0.1:${targetPort}`;
await waitHttp(targetUrl);

/** utime + stime of a process, in seconds. */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process whose command is `name` (postgres backends come and go: summed over the live ones). */
function cpuOfCommand(name: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += cpuOf(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function createDatabase(): Promise<string> {
  const name = `svz_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  await admin.end();
}

interface Layout {
  name: string;
  workers: number;
  distributed: boolean;
}

interface Outcome {
  layout: string;
  accepted: number;
  p99: number;
  executions: number;
  unfinished: number;
  perSecond: number;
  cpuPer1000: Record<string, number>;
}

async function run(layout: Layout): Promise<Outcome> {
  const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-scale-'));
  const prefix = `svyazka-bench-${randomBytes(5).toString('hex')}`;
  const databaseUrl = layout.distributed ? await createDatabase() : undefined;
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    SVYAZKA_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SVYAZKA_PLANS_FILE: join(ROOT, 'bench/plans-unlimited.json'),
    SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, REDIS_URL: REDIS_URL, SVYAZKA_REDIS_PREFIX: prefix } : {}),
  };
  const s = await openServices(loadConfig({ ...env, PORT: '0' }));
  await s.connections.save(s.defaultWorkspace.id, { name: 'target', connector: 'http', auth: { baseUrl: targetUrl } });
  const flow = await s.flows.save(s.defaultWorkspace.id, {
    name: 'scale bench',
    enabled: true,
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [
      { id: 'only_complete', type: 'filter', all: [{ left: '{{trigger.order.status}}', op: 'eq', right: 'complete' }] },
      {
        id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target',
        input: { method: 'POST', url: '/hit', body: { number: '{{trigger.order.number}}', phone: '{{trigger.order.customer.phones.0.number | phone}}', sum: '{{trigger.order.totalSumm | number}}' } },
      },
    ],
  });
  await s.store.close();

  const procs: Array<{ kind: string; pid: number; kill(): void }> = [];
  const start = async (role: string) => {
    const port = await freePort();
    const child = spawnNode([...SERVER_FLAGS, join(ROOT, 'bin/svyazka.js'), 'serve'], { ...env, PORT: String(port), SVYAZKA_ROLE: role });
    await waitHttp(`http://127.0.0.1:${port}/healthz`);
    procs.push({ kind: role, pid: child.pid!, kill: () => child.kill('SIGTERM') });
    return port;
  };
  const webPort = await start(layout.distributed ? 'web' : 'all');
  for (let i = 0; i < layout.workers; i++) await start('worker');

  const before = new Map(procs.map((p) => [p.pid, cpuOf(p.pid)]));
  const pgBefore = cpuOfCommand('postgres');
  const redisBefore = cpuOfCommand('redis-server');
  const r = await load(`http://127.0.0.1:${webPort}/hooks/${flow.hookToken}`, body, FORM, { connections: CONNECTIONS, seconds });

  // Drained: every execution finished (bounded).
  const count = async (): Promise<{ n: number; first: number; last: number; unfinished: number }> => {
    if (databaseUrl) {
      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query(`SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS n, min(created_at)::float8 AS first, max(finished_at)::float8 AS last, count(*) FILTER (WHERE finished_at IS NULL)::int AS unfinished FROM executions`);
        return rows[0];
      } finally {
        await db.end();
      }
    }
    const db = new DatabaseSync(join(dataDir, 'svyazka.db'), { readOnly: true });
    try {
      return db.prepare(`SELECT sum(status = 'succeeded') AS n, min(created_at) AS first, max(finished_at) AS last, sum(finished_at IS NULL) AS unfinished FROM executions`).get() as { n: number; first: number; last: number; unfinished: number };
    } finally {
      db.close();
    }
  };
  const deadline = Date.now() + 300_000;
  let stats = await count();
  while (stats.unfinished > 0 && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 200));
    stats = await count();
  }
  const cpu: Record<string, number> = {};
  for (const p of procs) cpu[p.kind] = (cpu[p.kind] ?? 0) + cpuOf(p.pid) - before.get(p.pid)!;
  if (layout.distributed) {
    cpu.postgres = cpuOfCommand('postgres') - pgBefore;
    cpu['redis-server'] = cpuOfCommand('redis-server') - redisBefore;
  }
  for (const p of procs) p.kill();
  await new Promise((res) => setTimeout(res, 500));
  if (databaseUrl) {
    await dropDatabase(databaseUrl);
    const redis = openRedis({ url: REDIS_URL, prefix }, { waitForever: false, name: 'bench-cleanup' });
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
  rmSync(dataDir, { recursive: true, force: true });
  const n = Number(stats.n);
  const perSecond = Math.round(n / ((Number(stats.last) - Number(stats.first)) / 1000));
  const cpuPer1000 = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Math.round((v / n) * 1000 * 100) / 100]));
  const outcome = { layout: layout.name, accepted: r.ok, p99: r.p99, executions: n, unfinished: Number(stats.unfinished), perSecond, cpuPer1000 };
  console.log(JSON.stringify(outcome));
  return outcome;
}

const layouts: Layout[] = [
  { name: 'SQLite, 1 process (all)', workers: 0, distributed: false },
  { name: 'PostgreSQL + Redis, 1 web + 1 worker', workers: 1, distributed: true },
  { name: 'PostgreSQL + Redis, 1 web + 2 workers', workers: 2, distributed: true },
];
const results: Outcome[] = [];
for (const layout of layouts) results.push(await run(layout));

console.log(`\n${CONNECTIONS} connections, ${seconds} s of webhooks each, then drained:`);
console.log('| layout | accepted | webhook p99 | executions/s | CPU-s per 1,000 executions |');
console.log('|---|---|---|---|---|');
for (const o of results) {
  const cpu = Object.entries(o.cpuPer1000).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`| ${o.layout} | ${o.accepted} | ${o.p99} ms | ${o.perSecond} | ${cpu} |`);
}
target.kill('SIGTERM');
process.exit(0);
