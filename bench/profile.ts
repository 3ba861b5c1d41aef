// bench/profile: a CPU profile summary of the hot path — the server (`--cpu-prof`) under bench/e2e's
// JSON workload for N seconds; self time grouped by where it is spent, and the top functions.
// Usage: node bench/profile.ts [seconds=15]   (BASE_REF=<git ref> profiles that commit instead;
// PROFILE_OUT=<file> keeps the server's .cpuprofile for a closer look)
import { readdirSync, readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSON_WORKLOAD_MAPPING, freePort, load, retailcrmOrderJson, ROOT, spawnNode, startSvyazka, waitHttp, worktree } from './support.ts';

const seconds = Number(process.argv[2] ?? 15);
const steps = [{ id: 'send', type: 'action', connector: 'http', action: 'request', connection: 'target', input: { method: 'POST', url: '/hit', body: JSON_WORKLOAD_MAPPING } }];

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

/** Where a function's self time belongs, by its file (or V8's own entries). */
function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native (program)';
  if (/src\/store\//.test(url)) return 'svyazka store (SQLite calls, rows)';
  if (/src\/engine\/template|step-logic/.test(url)) return 'svyazka templates';
  if (/src\/engine\//.test(url)) return 'svyazka engine (executor, queue glue)';
  if (/src\/intake\//.test(url)) return 'svyazka intake (parse, route)';
  if (/src\/(queue|plans|lib|connector-kit|connectors)\//.test(url)) return 'svyazka queue/plans/connectors/lib';
  if (/node_modules\/(fastify|find-my-way|light-my-request|avvio|@fastify)/.test(url)) return 'fastify';
  if (/node_modules\/undici|node:internal\/deps\/undici/.test(url)) return 'undici (outgoing HTTP)';
  if (/node_modules\/pino|thread-stream|sonic-boom/.test(url)) return 'pino';
  if (/node_modules\/zod/.test(url)) return 'zod';
  if (/node_modules\/kysely/.test(url)) return 'kysely';
  if (/node:internal\/(http|_http|stream|net|streams)|node:_http|node:net|node:stream/.test(url)) return 'node http/net/streams';
  if (url === '' && /^(parse|stringify|JSON)/.test(name)) return 'JSON';
  if (url === '') return 'native (sqlite, zlib, crypto, …)';
  return 'other JS';
}

const older = process.env.BASE_REF ? worktree(process.env.BASE_REF) : null;
const root = older?.root ?? ROOT;
const targetPort = await freePort();
const target = spawnNode([join(ROOT, 'bench/target-server.ts')], { PORT: String(targetPort) });
await waitHttp(`http://127.0.0.1:${targetPort}`);
const profDir = mkdtempSync(join(tmpdir(), 'svyazka-prof-'));
process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profDir}`;
const sv = await startSvyazka(root, steps, `http://127.0.0.1:${targetPort}`);
delete process.env.NODE_OPTIONS;
const r = await load(sv.url, retailcrmOrderJson(), 'application/json', { connections: 50, seconds });
await new Promise((res) => setTimeout(res, 3000)); // the backlog drains
sv.child.kill('SIGTERM');
await new Promise((res) => sv.child.once('exit', res));
target.kill('SIGTERM');

// The server's profile is the largest (the CLI's setup runs wrote small ones too).
const files = readdirSync(profDir).map((f) => join(profDir, f));
const profile = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { nodes: Node[]; samples: number[] }).sort((a, b) => b.samples.length - a.samples.length)[0];
if (process.env.PROFILE_OUT) writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
const total = profile.samples.length;
const byArea = new Map<string, number>();
const byFn = new Map<string, number>();
for (const n of profile.nodes) {
  if (!n.hitCount) continue;
  const a = area(n.callFrame.url, n.callFrame.functionName);
  byArea.set(a, (byArea.get(a) ?? 0) + n.hitCount);
  const file = n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/');
  const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + n.hitCount);
}
const pct = (x: number) => `${((100 * x) / total).toFixed(1)} %`;
console.log(`${older ? `svyazka@${process.env.BASE_REF}` : 'svyazka'}: ${r.perSecond} accepted/s over ${seconds} s (p99 ${r.p99} ms); ${total} samples`);
console.log('self time by area:');
for (const [a, n] of [...byArea.entries()].sort((x, y) => y[1] - x[1])) console.log(`  ${pct(n).padStart(7)}  ${a}`);
console.log('top functions (self):');
for (const [f, n] of [...byFn.entries()].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`  ${pct(n).padStart(7)}  ${f}`);
rmSync(profDir, { recursive: true, force: true });
rmSync(sv.dataDir, { recursive: true, force: true });
older?.remove();
process.exit(0);
