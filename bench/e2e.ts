// bench/e2e: completed executions/s for webhook → step(s) → http action to a local target, beside a
// Fastify + undici baseline that makes the same outgoing call inside the request and stores
// nothing, measured in the same run, alternating.
//
// Workloads:
// - json (issue 14): a 1.8 KB JSON RetailCRM-style order; flow webhook → one `http` action POSTing 9
//   mapped fields (the `items` array among them); the baseline parses the JSON and POSTs the same 9
//   fields. Prints accepted/s, executions/s, p50/p99/max latency, peak RSS (VmHWM) and the ratio.
// - form: the older one — a 1.6 KB form-encoded order, webhook → filter → http action (3 fields).
//
// Usage: node bench/e2e.ts [seconds] [rounds] [json|form]   (default 20 s × 3 rounds, json)
// With SETTLE_SECONDS=n the server's RSS is read again n s after the queue drained (idle GC).
// With BASE_REF=<git ref>, the Svyazka of that commit (a temporary git worktree) runs in the same
// run too, alternating, so before/after figures share the machine's moment.
// With GC=1 each Svyazka round also prints its garbage collection during the load (bench/gc-probe.mjs):
// scavenges and the MB they promoted, mark-compacts, and the main thread's time in both.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { JSON_WORKLOAD_MAPPING, freePort, load, peakRssMb, ratio, retailcrmOrderForm, retailcrmOrderJson, rssMb, ROOT, spawnNode, startSvyazka, waitHttp, worktree, type LoadResult } from './support.ts';

const seconds = Number(process.argv[2] ?? 20);
const rounds = Number(process.argv[3] ?? 3);
const workload = (process.argv[4] ?? 'json') as 'json' | 'form';
const settleSeconds = Number(process.env.SETTLE_SECONDS ?? 0);
const CONNECTIONS = 50;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const WORKLOADS = {
  json: {
    body: retailcrmOrderJson(),
    contentType: 'application/json',
    baselineMode: 'e2e-json',
    steps: [{ id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target', input: { method: 'POST', url: '/hit', body: JSON_WORKLOAD_MAPPING } }],
  },
  form: {
    body: retailcrmOrderForm(),
    contentType: 'application/x-www-form-urlencoded',
    baselineMode: 'e2e',
    steps: [
      { id: 'only_complete', type: 'filter', all: [{ left: '{{trigger.order.status}}', op: 'eq', right: 'complete' }] },
      {
        id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target',
        input: { method: 'POST', url: '/hit', body: { number: '{{trigger.order.number}}', phone: '{{trigger.order.customer.phones.0.number | phone}}', sum: '{{trigger.order.totalSumm | number}}' } },
      },
    ],
  },
} as const;
const w = WORKLOADS[workload];
if (!w) throw new Error(`unknown workload ${workload}: json or form`);

interface Round {
  accepted: number;
  executions: number;
  load: LoadResult;
  peakRss: number;
  rss: number;
  settled: number | null;
  unfinished: number;
  /** Webhook received → its execution finished, ms (Svyazka only). */
  toFinish?: { p50: number; p99: number } | null;
  /** With GC=1: the server's garbage collection during the load (Svyazka only). */
  gc?: GcSummary | null;
}

interface GcSummary {
  seconds: number;
  scavenges: number;
  scavengeMs: number;
  promotedBytes: number;
  markCompacts: number;
  markCompactMs: number;
  heapAfterMarkCompact: number[];
}
const gcProbe = process.env.GC === '1';

const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
const targetUrl = `http://127.0.0.1:${targetPort}`;
await waitHttp(targetUrl);

async function baselineRun(): Promise<Round> {
  const port = await freePort();
  const child = spawnNode([join(ROOT, 'bench/baseline-server.ts')], { PORT: String(port), MODE: w.baselineMode, TARGET: targetUrl });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  const url = `http://127.0.0.1:${port}/hooks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`;
  await load(url, w.body, w.contentType, { connections: CONNECTIONS, seconds: 2 });
  const r = await load(url, w.body, w.contentType, { connections: CONNECTIONS, seconds });
  const peakRss = peakRssMb(child.pid!);
  const rss = rssMb(child.pid!);
  child.kill('SIGTERM');
  // Each answer came after its outgoing call: a request answered is an execution done.
  return { accepted: r.perSecond, executions: r.perSecond, load: r, peakRss, rss, settled: null, unfinished: 0 };
}

/** One round of the Svyazka checkout at `root` (this tree, or another commit's worktree). */
async function svyazkaRun(root: string): Promise<Round> {
  const gcOut = gcProbe ? join(tmpdir(), `svyazka-gc-${process.pid}-${Date.now()}.json`) : null;
  if (gcOut) Object.assign(process.env, { NODE_OPTIONS: `--import ${join(ROOT, 'bench/gc-probe.mjs')}`, GC_PROBE_OUT: gcOut });
  const { url, child, dataDir } = await startSvyazka(root, w.steps, targetUrl);
  if (gcOut) {
    delete process.env.NODE_OPTIONS;
    delete process.env.GC_PROBE_OUT;
    child.kill('SIGUSR2');
  }
  const r = await load(url, w.body, w.contentType, { connections: CONNECTIONS, seconds });
  const gc = gcOut ? await gcSummary(child.pid!, gcOut) : null;
  const db = new DatabaseSync(join(dataDir, 'svyazka.db'), { readOnly: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { n } = db.prepare(`SELECT count(*) AS n FROM executions WHERE finished_at IS NULL`).get() as { n: number };
    if (n === 0 || Date.now() > deadline) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const stats = db.prepare(`SELECT count(*) AS n, min(created_at) AS first, max(finished_at) AS last FROM executions WHERE status = 'succeeded'`).get() as { n: number; first: number; last: number };
  const unfinished = (db.prepare(`SELECT count(*) AS n FROM executions WHERE finished_at IS NULL`).get() as { n: number }).n;
  // From the webhook's arrival to its execution's end: the queue's wait shows here, not in p99.
  const spans = (db.prepare(`SELECT e.finished_at - w.received_at AS ms FROM executions e JOIN webhooks w ON w.id = e.webhook_id WHERE e.finished_at IS NOT NULL ORDER BY 1`).all() as Array<{ ms: number }>).map((r) => r.ms);
  const toFinish = spans.length ? { p50: spans[Math.floor(spans.length * 0.5)], p99: spans[Math.floor(spans.length * 0.99)] } : null;
  db.close();
  const peakRss = peakRssMb(child.pid!);
  const rss = rssMb(child.pid!);
  let settled: number | null = null;
  if (settleSeconds > 0) {
    await new Promise((res) => setTimeout(res, settleSeconds * 1000));
    settled = rssMb(child.pid!);
  }
  child.kill('SIGTERM');
  await new Promise((res) => setTimeout(res, 300));
  rmSync(dataDir, { recursive: true, force: true });
  const executions = Math.round(stats.n / ((stats.last - stats.first) / 1000));
  return { accepted: r.perSecond, executions, load: r, peakRss, rss, settled, unfinished, toFinish, gc };
}

/** Ends the probe's window (the second SIGUSR2) and reads what it wrote. */
async function gcSummary(pid: number, file: string): Promise<GcSummary | null> {
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((res) => setTimeout(res, 100));
  if (!existsSync(file)) return null;
  const summary = JSON.parse(readFileSync(file, 'utf8')) as GcSummary;
  rmSync(file, { force: true });
  return summary;
}

function fmtGc(g: GcSummary): string {
  const perS = (n: number) => (n / g.seconds).toFixed(1);
  const heaps = g.heapAfterMarkCompact.map((b) => b / 1e6).sort((a, b) => a - b);
  const heap = heaps.length ? `, heap after them ${heaps[0].toFixed(0)}–${heaps[heaps.length - 1].toFixed(0)} MB` : '';
  return `; GC per s: ${perS(g.scavenges)} scavenges (${perS(g.scavengeMs)} ms) promoting ${perS(g.promotedBytes / 1e6)} MB, ${perS(g.markCompacts)} mark-compacts (${perS(g.markCompactMs)} ms)${heap}`;
}

const fmt = (x: Round) =>
  `${x.accepted} accepted/s, ${x.executions} executions/s, p50 ${x.load.p50} ms, p99 ${x.load.p99} ms, max ${x.load.max} ms, ` +
  `non-2xx ${x.load.non2xx}, errors ${x.load.errors}, peak RSS ${x.peakRss} MB (now ${x.rss} MB${x.settled === null ? '' : `, ${x.settled} MB ${settleSeconds} s later`})` +
  (x.toFinish ? `, received → executed p50 ${x.toFinish.p50} ms, p99 ${x.toFinish.p99} ms` : '') +
  (x.unfinished ? `, ${x.unfinished} UNFINISHED` : '') +
  (x.gc ? fmtGc(x.gc) : '');

const baseRef = process.env.BASE_REF;
const older = baseRef ? worktree(baseRef) : null;
console.log(`workload ${workload}: body ${Buffer.byteLength(w.body)} bytes, ${CONNECTIONS} connections, ${rounds} × ${seconds} s, alternating`);
const base: Round[] = [];
const sv: Round[] = [];
const old: Round[] = [];
for (let i = 0; i < rounds; i++) {
  base.push(await baselineRun());
  console.log(`round ${i + 1} baseline: ${fmt(base[i])}`);
  if (older) {
    old.push(await svyazkaRun(older.root));
    console.log(`round ${i + 1} svyazka@${baseRef}: ${fmt(old[i])}  ratio ${ratio(old[i].executions, base[i].executions)}`);
  }
  sv.push(await svyazkaRun(ROOT));
  console.log(`round ${i + 1} svyazka:  ${fmt(sv[i])}  ratio ${ratio(sv[i].executions, base[i].executions)}`);
}
const summary = (name: string, xs: Round[]) =>
  `${name}: ${median(xs.map((x) => x.accepted))} accepted/s, ${median(xs.map((x) => x.executions))} executions/s, ` +
  `p50 ${median(xs.map((x) => x.load.p50))} ms, p99 ${median(xs.map((x) => x.load.p99))} ms, max latency ${Math.max(...xs.map((x) => x.load.max))} ms (worst round), ` +
  `peak RSS ${Math.max(...xs.map((x) => x.peakRss))} MB (worst round)`;
console.log(`\nmedians of ${rounds} rounds:`);
console.log(summary('baseline (Fastify + undici, the call inside the request, nothing stored)', base));
console.log(summary('svyazka  (stored, executed, journaled)', sv));
const ratios = (xs: Round[]) => xs.map((x, i) => x.executions / base[i].executions);
const line = (name: string, xs: Round[]) =>
  `ratio executions/s ${name} ÷ baseline: median ${median(ratios(xs)).toFixed(2)} (rounds ${ratios(xs).map((r) => r.toFixed(2)).join(' / ')}); of medians ${ratio(median(xs.map((x) => x.executions)), median(base.map((x) => x.executions)))}`;
console.log(line('svyazka', sv));
if (older) {
  console.log(summary(`svyazka@${baseRef}`, old));
  console.log(line(`svyazka@${baseRef}`, old));
  older.remove();
}
target.kill('SIGTERM');
process.exit(0);
