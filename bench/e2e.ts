// bench/e2e: completed executions/s for webhook → filter → http action to a local target, beside a
// bare-Fastify baseline that makes the same outgoing call inside the request, same run.
// Usage: node bench/e2e.ts [seconds] [rounds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openServices } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { SERVER_FLAGS, freePort, load, ratio, retailcrmOrderForm, rssMb, ROOT, spawnNode, waitHttp } from './support.ts';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const CONNECTIONS = 50;
const body = retailcrmOrderForm();
const FORM = 'application/x-www-form-urlencoded';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
const targetUrl = `http://127.0.0.1:${targetPort}`;
await waitHttp(targetUrl);

async function baselineRun(): Promise<number> {
  const port = await freePort();
  const child = spawnNode([join(ROOT, 'bench/baseline-server.ts')], { PORT: String(port), MODE: 'e2e', TARGET: targetUrl });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  const url = `http://127.0.0.1:${port}/hooks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`;
  await load(url, body, FORM, { connections: CONNECTIONS, seconds: 2 });
  const r = await load(url, body, FORM, { connections: CONNECTIONS, seconds });
  child.kill('SIGTERM');
  return r.perSecond;
}

async function svyazkaRun(): Promise<{ perSecond: number; accepted: number; rss: number; settled: number; p99: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-bench-'));
  const port = await freePort();
  const s = await openServices(loadConfig({ SVYAZKA_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1' }));
  await s.connections.save(s.defaultWorkspace.id, { name: 'target', connector: 'http', auth: { baseUrl: targetUrl } });
  const flow = await s.flows.save(s.defaultWorkspace.id, {
    name: 'e2e bench',
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
  const child = spawnNode([...SERVER_FLAGS, join(ROOT, 'bin/svyazka.js'), 'serve'], { PORT: String(port), HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SVYAZKA_PLANS_FILE: join(ROOT, 'bench/plans-unlimited.json'), SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1' });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  const url = `http://127.0.0.1:${port}/hooks/${flow.hookToken}`;
  const r = await load(url, body, FORM, { connections: CONNECTIONS, seconds });
  const db = new DatabaseSync(join(dataDir, 'svyazka.db'), { readOnly: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { n } = db.prepare(`SELECT count(*) AS n FROM executions WHERE finished_at IS NULL`).get() as { n: number };
    if (n === 0 || Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const stats = db.prepare(`SELECT count(*) AS n, min(created_at) AS first, max(finished_at) AS last FROM executions WHERE status = 'succeeded'`).get() as { n: number; first: number; last: number };
  const unfinished = (db.prepare(`SELECT count(*) AS n FROM executions WHERE finished_at IS NULL`).get() as { n: number }).n;
  db.close();
  const rss = rssMb(child.pid!);
  // The server gives memory back once it has been idle a while (src/lib/idle-gc.ts): RSS again then.
  await new Promise((res) => setTimeout(res, 30_000));
  const settled = rssMb(child.pid!);
  child.kill('SIGTERM');
  await new Promise((res) => setTimeout(res, 300));
  rmSync(dataDir, { recursive: true, force: true });
  const perSecond = Math.round(stats.n / ((stats.last - stats.first) / 1000));
  console.log(`  svyazka: ${r.ok} accepted (p99 ${r.p99} ms), ${stats.n} executions succeeded, ${unfinished} unfinished, ${perSecond} executions/s, RSS ${rss} MB right after, ${settled} MB 30 s later`);
  return { perSecond, accepted: r.ok, rss, settled, p99: r.p99 };
}

const base: number[] = [];
const sv: Array<{ perSecond: number; rss: number; settled: number }> = [];
for (let i = 0; i < rounds; i++) {
  base.push(await baselineRun());
  console.log(`round ${i + 1}: baseline ${base[i]} req/s (each with the outgoing call)`);
  sv.push(await svyazkaRun());
}
const b = median(base);
const v = median(sv.map((x) => x.perSecond));
console.log(`\n${CONNECTIONS} connections, ${rounds} × ${seconds} s, medians:`);
console.log(`baseline (bare Fastify, outgoing call in the request): ${b} req/s`);
console.log(`svyazka (webhook → filter → http action, journaled): ${v} completed executions/s`);
console.log(`ratio svyazka/baseline: ${ratio(v, b)}; svyazka RSS after the run: max ${Math.max(...sv.map((x) => x.rss))} MB right after, max ${Math.max(...sv.map((x) => x.settled))} MB 30 s later`);
target.kill('SIGTERM');
process.exit(0);
