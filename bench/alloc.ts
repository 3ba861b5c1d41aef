// bench/alloc: bytes the server allocates per webhook on bench/e2e's JSON workload (1.8 KB order →
// one `http` action), from V8's sampling heap profiler — garbage included, which is what the young
// generation's collections and, through promotion, the old generation's pay for. Unlike
// throughput it hardly moves with the machine's load, so a change's effect shows in one run.
// Prints KB per webhook, then where they are allocated (self, and inclusive for Svyazka's code).
//
// Usage: node bench/alloc.ts [seconds=10]   (BASE_REF=<git ref>: that commit too, for before/after;
// PROFILE_OUT=<file> keeps the last profile, a .heapprofile for Chrome's DevTools; SURVIVORS=1 counts
// only what outlived the young generation: what was promoted, which the major GCs then mark and sweep)
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSON_WORKLOAD_MAPPING, freePort, load, retailcrmOrderJson, ROOT, spawnNode, startSvyazka, waitHttp, worktree } from './support.ts';

const seconds = Number(process.argv[2] ?? 10);
const steps = [{ id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target', input: { method: 'POST', url: '/hit', body: JSON_WORKLOAD_MAPPING } }];

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const where = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/').replace(/^node:internal\//, 'node:')}:${n.callFrame.lineNumber + 1}`;

async function measure(name: string, root: string, targetUrl: string): Promise<number> {
  const out = join(tmpdir(), `svyazka-alloc-${process.pid}-${Date.now()}.json`);
  process.env.NODE_OPTIONS = `--import ${join(ROOT, 'bench/alloc-probe.mjs')}`;
  process.env.ALLOC_PROFILE_OUT = out;
  if (process.env.SURVIVORS === '1') process.env.ALLOC_SURVIVORS = '1';
  const sv = await startSvyazka(root, steps, targetUrl);
  delete process.env.NODE_OPTIONS;
  delete process.env.ALLOC_PROFILE_OUT;
  delete process.env.ALLOC_SURVIVORS;
  const body = retailcrmOrderJson();
  await load(sv.url, body, 'application/json', { connections: 50, seconds: 2 }); // warm-up
  sv.child.kill('SIGUSR2');
  const r = await load(sv.url, body, 'application/json', { connections: 50, seconds });
  sv.child.kill('SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(out); i++) await new Promise((res) => setTimeout(res, 100));
  sv.child.kill('SIGTERM');
  await new Promise((res) => sv.child.once('exit', res));
  rmSync(sv.dataDir, { recursive: true, force: true });
  const profile = JSON.parse(readFileSync(out, 'utf8')) as { head: ProfileNode };
  if (process.env.PROFILE_OUT) copyFileSync(out, process.env.PROFILE_OUT);
  rmSync(out, { force: true });

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const walk = (n: ProfileNode, above: Set<string>) => {
    const k = where(n);
    total += n.selfSize;
    self.set(k, (self.get(k) ?? 0) + n.selfSize);
    const stack = new Set(above).add(k);
    for (const s of stack) inclusive.set(s, (inclusive.get(s) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c, stack);
  };
  walk(profile.head, new Set());
  // Executions that ran while sampling ≈ webhooks accepted meanwhile (bench/e2e: the executor keeps up).
  const kb = (bytes: number) => (bytes / r.ok / 1024).toFixed(2).padStart(6);
  console.log(`${name}: ${r.perSecond} accepted/s; ${kb(total).trim()} KB ${process.env.SURVIVORS === '1' ? 'promoted (outlived a scavenge)' : 'allocated'} per webhook`);
  console.log('  self, KB per webhook:');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`    ${kb(v)}  ${k}`);
  console.log('  inclusive, Svyazka code, KB per webhook:');
  for (const [k, v] of [...inclusive].filter(([k]) => k.startsWith('src/') || / src\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`    ${kb(v)}  ${k}`);
  return total / r.ok / 1024;
}

const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
const targetUrl = `http://127.0.0.1:${targetPort}`;
await waitHttp(targetUrl);
const older = process.env.BASE_REF ? worktree(process.env.BASE_REF) : null;
const before = older ? await measure(`svyazka@${process.env.BASE_REF}`, older.root, targetUrl) : null;
const now = await measure('svyazka', ROOT, targetUrl);
if (before !== null) console.log(`KB allocated per webhook: ${before.toFixed(1)} → ${now.toFixed(1)} (${((100 * (now - before)) / before).toFixed(0)} %)`);
older?.remove();
target.kill('SIGTERM');
process.exit(0);
