// What every `svyazka` command that reads the data dir shares: open it quietly, find a workspace
// or a flow by what a person types, print JSON for scripts or a table for people.
import { openServices, type Services } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';

/** Opens the data dir quietly, runs `fn`, closes. */
export async function withServices<T>(fn: (s: Services) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const s = await openServices(config, { logger: createLogger({ level: 'warn' }) });
  try {
    return await fn(s);
  } finally {
    await s.store.close();
  }
}

/** The workspace's enabled polling flows and their monthly transactions (a lower bound, see engine/poll-estimate.ts). */
export async function pollingLoad(s: Services, wsId: string): Promise<{ flows: number; transactionsPerMonth: number }> {
  let flows = 0;
  let transactionsPerMonth = 0;
  for (const f of await s.store.listFlows(wsId)) {
    const estimate = f.enabled ? s.flows.view(f).pollEstimate : null;
    if (!estimate) continue;
    flows++;
    transactionsPerMonth += estimate.transactionsPerMonth;
  }
  return { flows, transactionsPerMonth };
}

export async function workspaceId(s: Services, slug: string): Promise<string> {
  const ws = await s.store.getWorkspaceBySlug(slug);
  if (!ws) throw new Error(`No workspace "${slug}"`);
  return ws.id;
}

export async function findFlow(s: Services, wsId: string, idOrName: string) {
  const flow = (await s.store.getFlow(wsId, idOrName)) ?? (await s.store.getFlowByName(wsId, idOrName));
  if (!flow) throw new Error(`No flow with id or name "${idOrName}"`);
  return flow;
}

export function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Columns padded to the widest cell; the last column is never padded (it may be long). */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '—' : String(c).replace(/\s+/g, ' '))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length))).join('  ').trimEnd()).join('\n') + '\n';
}

export function clip(text: string | null | undefined, max = 60): string | null {
  if (text === null || text === undefined) return null;
  const one = text.replace(/\s+/g, ' ');
  return [...one].length > max ? [...one].slice(0, max - 1).join('') + '…' : one;
}

/** `2026-05-12 09:00:03` in local time: what a person reads in a table. */
export function when(iso: string | number | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function limitOption(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > 500) throw new Error('--limit must be a whole number from 1 to 500');
  return n;
}
