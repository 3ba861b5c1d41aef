// bench/cpu-split: where the CPU of one webhook goes, per process, on bench/e2e's JSON workload.
// On a machine whose cores the load generator, the target and the server share, throughput follows
// the CPU all of them spend per request; this prints each one's CPU µs per request (from
// /proc/<pid>/stat, every thread counted) for the baseline and for Svyazka, measured alternating.
//
// Usage: node bench/cpu-split.ts [seconds] [rounds]   (default 15 s × 2 rounds; SKIP_BASELINE=1: Svyazka only;
// BASE_REF=<git ref>: that commit's Svyazka too, alternating, with the medians of both at the end;
// RATE=<n>: n requests/s in all instead of as many as can be, so that systems compared do the same
// work per second — the garbage collector's share depends on the rate; CONNECTIONS=<n>: the load's
// connections, 50 by default as in bench/e2e)
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_WORKLOAD_MAPPING, freePort, load, peakRssMb, retailcrmOrderJson, ROOT, spawnNode, startSvyazka, waitHttp, worktree } from './support.ts';

const seconds = Number(process.argv[2] ?? 15);
const rounds = Number(process.argv[3] ?? 2);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const rate = process.env.RATE ? Number(process.env.RATE) : undefined;
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux
const body = retailcrmOrderJson();
const steps = [{ id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target', input: { method: 'POST', url: '/hit', body: JSON_WORKLOAD_MAPPING } }];

function statTicks(path: string): { user: number; system: number } {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * TICK_US, system: Number(fields[12]) * TICK_US };
}
function cpuUs(pid: number): number {
  const t = statTicks(`/proc/${pid}/stat`);
  return t.user + t.system;
}
/** CPU µs by thread name (threads of one name summed), user and system apart. */
function threadsUs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const t = statTicks(`/proc/${pid}/task/${tid}/stat`);
      out.set(`${name} user`, (out.get(`${name} user`) ?? 0) + t.user);
      out.set(`${name} sys`, (out.get(`${name} sys`) ?? 0) + t.system);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}
const selfUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
const targetUrl = `http://127.0.0.1:${targetPort}`;
await waitHttp(targetUrl);

/** Prints one measurement; returns the server's CPU per request relative to the load generator's. */
async function measure(name: string, url: string, serverPid: number): Promise<number> {
  await load(url, body, 'application/json', { connections: CONNECTIONS, seconds: 2 });
  const before = { server: cpuUs(serverPid), target: cpuUs(target.pid!), load: selfUs() };
  const threadsBefore = threadsUs(serverPid);
  const r = await load(url, body, 'application/json', { connections: CONNECTIONS, seconds, rate });
  const after = { server: cpuUs(serverPid), target: cpuUs(target.pid!), load: selfUs() };
  const threadsAfter = threadsUs(serverPid);
  const per = (k: keyof typeof before) => Math.round((after[k] - before[k]) / r.ok);
  const total = per('server') + per('target') + per('load');
  // The load generator does the same work for every request of every system: the server's CPU in
  // units of it takes out how fast the machine happens to be in this round.
  const relative = per('server') / per('load');
  console.log(`${name}: ${r.perSecond} req/s, CPU µs per request: server ${per('server')} (${relative.toFixed(1)}× the load generator's), target ${per('target')}, load generator ${per('load')}, total ${total}; peak RSS ${peakRssMb(serverPid)} MB`);
  const threads = [...threadsAfter].map(([k, v]) => [k, Math.round((v - (threadsBefore.get(k) ?? 0)) / r.ok)] as const).filter(([, v]) => v > 0);
  console.log(`  server threads, µs per request: ${threads.sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return relative;
}

const baseRef = process.env.BASE_REF;
const older = baseRef ? worktree(baseRef) : null;
const runs: Array<[string, string, number[]]> = [['svyazka', ROOT, []]];
if (older) runs.unshift([`svyazka@${baseRef}`, older.root, []]);

for (let i = 0; i < rounds; i++) {
  if (!process.env.SKIP_BASELINE) {
    const port = await freePort();
    const base = spawnNode([join(ROOT, 'bench/baseline-server.ts')], { PORT: String(port), MODE: 'e2e-json', TARGET: targetUrl });
    await waitHttp(`http://127.0.0.1:${port}/healthz`);
    await measure(`round ${i + 1} baseline`, `http://127.0.0.1:${port}/hooks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`, base.pid!);
    base.kill('SIGTERM');
  }
  // Counted while the load runs: executions still queued when it ends are left out (at most a few
  // hundred of tens of thousands; bench/e2e reports executions/s).
  for (const [name, root, totals] of runs) {
    const sv = await startSvyazka(root, steps, targetUrl);
    totals.push(await measure(`round ${i + 1} ${name}`, sv.url, sv.child.pid!));
    sv.child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 300));
    rmSync(sv.dataDir, { recursive: true, force: true });
  }
}
if (older) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name, , totals] of runs) console.log(`${name}: server CPU per request, median ${median(totals).toFixed(2)}× the load generator's (rounds ${totals.map((t) => t.toFixed(2)).join(' / ')})`);
  older.remove();
}
target.kill('SIGTERM');
process.exit(0);
