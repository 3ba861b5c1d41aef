// bench/change-feed: how long after another process writes a change does a running server act on
// it. The server runs in this process (so its state can be watched every millisecond); the writes
// are the real `svyazka` CLI in child processes on the same data dir: `plan set`, `flow import` of
// an enabled cron flow (the server arms its timer) and of the same flow disabled (the timer goes).
// Latency is measured from the change's commit (its change-feed row's time) to the moment the
// server's state shows it; the CLI's own start-up (about a second of Node loading) is reported
// apart. Target: within 2 s.
// Usage: node bench/change-feed.ts [rounds=20]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { ChangeKind } from '../src/store/types.ts';
import { ROOT } from './support.ts';

const rounds = Number(process.argv[2] ?? 20);
const TARGET_MS = 2000;
const BIN = join(ROOT, 'bin/svyazka.js');

const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-bench-feed-'));
const plansFile = join(dataDir, 'plans.json');
const flowFile = join(dataDir, 'flow.json');
const plan = (id: string) => ({ id, label: id, transactionsPerMonth: 1e9, ordersPerMonth: 1e8, webhooksPerMonth: 1e9, historyDays: 30, webhooksPerSecond: 1e6, marketplaceParsingDays: 5 });
writeFileSync(plansFile, JSON.stringify({ trialPlan: 'a', plans: [plan('a'), plan('b')] }));
const env = { ...process.env, SVYAZKA_DATA_DIR: dataDir, SVYAZKA_PLANS_FILE: plansFile, LOG_LEVEL: 'silent' };

const app = await startApp(loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1' }));
const { store, plans } = app.services;
const ws = app.services.defaultWorkspace.id;
await plans.prepare(ws);

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(stdout))),
  );
}

const cronFlow = (enabled: boolean) => ({ name: 'bench cron', enabled, trigger: { connector: 'schedule', event: 'cron', options: { cron: '0 0 1 1 *' } }, steps: [{ id: 'v', type: 'set', values: { a: '1' } }] });

/** Runs the CLI and watches the server every millisecond until `done()`; the two latencies in ms. */
async function measure(args: string[], kind: ChangeKind, done: () => boolean): Promise<{ fromCommit: number; fromSpawn: number }> {
  const seq = await store.changes.lastSeq();
  const spawnedAt = Date.now();
  let seenAt = 0;
  const watch = setInterval(() => {
    if (!seenAt && done()) seenAt = Date.now();
  }, 1);
  await cli(args);
  const deadline = Date.now() + 30_000;
  while (!seenAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  clearInterval(watch);
  if (!seenAt) throw new Error(`${args.join(' ')}: the server did not act within 30 s`);
  const row = (await store.changes.since(seq, 1000)).find((r) => r.kind === kind);
  if (!row) throw new Error(`${args.join(' ')}: no ${kind} row in the change feed`);
  return { fromCommit: seenAt - row.at, fromSpawn: seenAt - spawnedAt };
}

writeFileSync(flowFile, JSON.stringify(cronFlow(false)));
const flowId = (JSON.parse(await cli(['flow', 'import', flowFile])) as { id: string }).id;

const results: Record<string, Array<{ fromCommit: number; fromSpawn: number }>> = { 'plan set': [], 'flow import (enable)': [], 'flow import (disable)': [] };
for (let i = 0; i < rounds; i++) {
  const target = i % 2 === 0 ? 'b' : 'a';
  results['plan set'].push(await measure(['plan', 'set', target], 'billing', () => plans.planOf(ws).id === target));
  writeFileSync(flowFile, JSON.stringify(cronFlow(true)));
  results['flow import (enable)'].push(await measure(['flow', 'import', flowFile], 'flow', () => app.scheduler.isArmed(flowId)));
  writeFileSync(flowFile, JSON.stringify(cronFlow(false)));
  results['flow import (disable)'].push(await measure(['flow', 'import', flowFile], 'flow', () => !app.scheduler.isArmed(flowId)));
  process.stderr.write('.');
}
process.stderr.write('\n');

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
console.log(`change feed: ${rounds} rounds, server polls every 500 ms, target ${TARGET_MS} ms`);
console.log('| change (CLI) | commit → server acts: median | p95 | max | p95 / 2 s target | CLI spawn → server acts: median |');
console.log('|---|---|---|---|---|---|');
const all: number[] = [];
for (const [name, list] of Object.entries(results)) {
  const fromCommit = list.map((r) => r.fromCommit);
  all.push(...fromCommit);
  const p95 = pct(fromCommit, 95);
  console.log(`| ${name} | ${pct(fromCommit, 50)} ms | ${p95} ms | ${Math.max(...fromCommit)} ms | ${(p95 / TARGET_MS).toFixed(2)} | ${pct(list.map((r) => r.fromSpawn), 50)} ms |`);
}
console.log(`all: median ${pct(all, 50)} ms, p95 ${pct(all, 95)} ms, ratio p95 / target ${(pct(all, 95) / TARGET_MS).toFixed(2)}`);

await app.stop();
rmSync(dataDir, { recursive: true, force: true });
