// bench/intake: accepted webhooks/s (durable: 200 only after COMMIT) with p50/p99 latency, beside a
// bare-Fastify baseline that answers the same request without storing it, measured in the same
// run. 50 connections, a 1.5 KB RetailCRM-shaped form body.
// Usage: node bench/intake.ts [seconds] [rounds]
// With BASE_REF=<git ref>, the Svyazka of that commit (checked out into a temporary worktree) is
// measured in the same run too, e.g. the commit before plans and metering were added.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, load, ratio, retailcrmOrderForm, rssMb, ROOT, serverFlagsFor, spawnNode, waitHttp, worktree, type LoadResult } from './support.ts';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const CONNECTIONS = 50;
const body = retailcrmOrderForm();
const FORM = 'application/x-www-form-urlencoded';

const FLOW = {
  name: 'intake bench',
  enabled: true,
  trigger: { connector: 'webhook', event: 'incoming' },
  steps: [{ id: 'only_cancelled', type: 'filter', all: [{ left: '{{trigger.order.status}}', op: 'eq', right: 'cancel-other' }] }],
};

/** A Svyazka checkout (this one, or another commit's worktree) set up through its own CLI and started. */
async function svyazka(root: string): Promise<{ url: string; pid: number; stop: () => void; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-bench-'));
  const port = await freePort();
  // The operator's catalog with limits the load never reaches: limits are checked, never hit.
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SVYAZKA_PLANS_FILE: join(ROOT, 'bench/plans-unlimited.json') };
  writeFileSync(join(dataDir, 'flow.json'), JSON.stringify(FLOW));
  const imported = JSON.parse(execFileSync(process.execPath, [join(root, 'bin/svyazka.js'), 'flow', 'import', join(dataDir, 'flow.json')], { env, encoding: 'utf8' }));
  const child = spawnNode([...serverFlagsFor(root), join(root, 'bin/svyazka.js'), 'serve'], env);
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { url: `http://127.0.0.1:${port}${new URL(imported.webhookUrl).pathname}`, pid: child.pid!, stop: () => child.kill('SIGTERM'), dataDir };
}

async function baseline(mode: 'intake' | 'intake-parse'): Promise<{ url: string; pid: number; stop: () => void }> {
  const port = await freePort();
  const child = spawnNode([join(ROOT, 'bench/baseline-server.ts')], { PORT: String(port), MODE: mode });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { url: `http://127.0.0.1:${port}/hooks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (r: LoadResult) => `${r.perSecond}/s p50 ${r.p50} ms p99 ${r.p99} ms (non-2xx ${r.non2xx}, errors ${r.errors})`;

const base = await baseline('intake');
const parsing = await baseline('intake-parse');
const sv = await svyazka(ROOT);
const older = process.env.BASE_REF ? worktree(process.env.BASE_REF) : null;
const old = older ? await svyazka(older.root) : null;
for (const target of [base, parsing, sv, ...(old ? [old] : [])]) await load(target.url, body, FORM, { connections: CONNECTIONS, seconds: 2 }); // warm-up
const baseRuns: LoadResult[] = [];
const parseRuns: LoadResult[] = [];
const svRuns: LoadResult[] = [];
const oldRuns: LoadResult[] = [];
for (let i = 0; i < rounds; i++) {
  baseRuns.push(await load(base.url, body, FORM, { connections: CONNECTIONS, seconds }));
  parseRuns.push(await load(parsing.url, body, FORM, { connections: CONNECTIONS, seconds }));
  svRuns.push(await load(sv.url, body, FORM, { connections: CONNECTIONS, seconds }));
  if (old) oldRuns.push(await load(old.url, body, FORM, { connections: CONNECTIONS, seconds }));
  console.log(`round ${i + 1}: baseline ${fmt(baseRuns[i])} | baseline+formbody ${fmt(parseRuns[i])} | svyazka ${fmt(svRuns[i])}${old ? ` | svyazka@${process.env.BASE_REF} ${fmt(oldRuns[i])}` : ''}`);
}
await new Promise((r) => setTimeout(r, 2000));
const rss = rssMb(sv.pid);
const b = median(baseRuns.map((r) => r.perSecond));
const p = median(parseRuns.map((r) => r.perSecond));
const v = median(svRuns.map((r) => r.perSecond));
console.log(`\nbody ${Buffer.byteLength(body)} bytes, ${CONNECTIONS} connections, ${rounds} × ${seconds} s, medians:`);
console.log(`baseline (bare Fastify, not stored): ${b} req/s, p50 ${median(baseRuns.map((r) => r.p50))} ms, p99 ${median(baseRuns.map((r) => r.p99))} ms`);
console.log(`baseline + @fastify/formbody (body parsed, not stored): ${p} req/s, p50 ${median(parseRuns.map((r) => r.p50))} ms, p99 ${median(parseRuns.map((r) => r.p99))} ms`);
console.log(`svyazka (stored durably, execution created): ${v} accepted/s, p50 ${median(svRuns.map((r) => r.p50))} ms, p99 ${median(svRuns.map((r) => r.p99))} ms`);
console.log(`ratio svyazka/baseline: ${ratio(v, b)}; svyazka/baseline+formbody: ${ratio(v, p)}; svyazka RSS after the run: ${rss} MB`);
if (old) {
  const o = median(oldRuns.map((r) => r.perSecond));
  console.log(`svyazka@${process.env.BASE_REF}: ${o} accepted/s, p99 ${median(oldRuns.map((r) => r.p99))} ms; this tree / that commit: ${ratio(v, o)}`);
  old.stop();
}
base.stop();
parsing.stop();
sv.stop();
await new Promise((r) => setTimeout(r, 500));
rmSync(sv.dataDir, { recursive: true, force: true });
if (old) rmSync(old.dataDir, { recursive: true, force: true });
older?.remove();
process.exit(0);
