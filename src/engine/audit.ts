// Writing the audit log: who (a user, an API token, the CLI), what, when. The API records through
// the router's route declarations; the CLI through `recordCliChange`. Details are small and never
// carry a secret: anything under a secret-looking key is dropped before it is stored.
import { userInfo } from 'node:os';
import type { AuditActor, AuditEntry, AuditTarget, Principal, Store } from '../store/types.ts';

/** Keys whose values are never written to the audit log, at any depth. */
const SECRET_KEY = /pass(word)?|secret|token|auth|api_?key|credential|cookie|session|private/i;
/** Keys that name a thing rather than hold one (`tokenId`, `authFields`) stay. */
const SAFE_KEY = /^(tokenId|authFields|authFieldsChanged)$/;
const MAX_STRING = 500;
const MAX_DEPTH = 4;

/** A copy of `details` without secret-looking keys, long strings cut, depth bounded. */
export function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  return clean(details, 0) as Record<string, unknown>;
}

function clean(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? Number(value) : value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => clean(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    // A yes/no (`secret: true`) says what kind a thing is, never what it holds.
    if (SECRET_KEY.test(key) && !SAFE_KEY.test(key) && typeof v !== 'boolean') continue;
    out[key] = clean(v, depth + 1);
  }
  return out;
}

/** The CLI as an actor, with the OS user who ran it. */
export function cliActor(): AuditActor {
  let name: string | null = null;
  try {
    name = userInfo().username || null;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? null;
  }
  return { id: 'cli', label: name };
}

/** The API caller as an actor: a user with their email now, or `token:<id>` with the token's name. */
export async function principalActor(store: Store, principal: Principal): Promise<AuditActor> {
  // A token made by a user still carries that user's id: the token is what acted.
  if (principal.tokenId) {
    let label: string | null = null;
    for (const workspaceId of principal.roles.keys()) {
      const token = (await store.listApiTokens(workspaceId)).find((t) => t.id === principal.tokenId);
      if (token) label = token.name;
    }
    return { id: `token:${principal.tokenId}`, label };
  }
  if (principal.userId) {
    const user = await store.getUser(principal.userId);
    return { id: principal.userId, label: user?.email ?? null };
  }
  return { id: 'anonymous', label: null };
}

export interface AuditRecord {
  workspaceId: string | null;
  actor: AuditActor;
  action: string;
  target: Partial<AuditTarget> & { type: string };
  details?: Record<string, unknown>;
  ip?: string | null;
  at?: number;
}

/** Appends one entry; details are cleaned of secrets first. */
export function recordAudit(store: Store, r: AuditRecord): Promise<AuditEntry> {
  return store.audit.append({
    workspaceId: r.workspaceId,
    at: r.at ?? Date.now(),
    actor: r.actor,
    action: r.action,
    target: { type: r.target.type, id: r.target.id ?? null, name: r.target.name ?? null },
    details: safeDetails(r.details ?? {}),
    ip: r.ip ?? null,
  });
}

/** A change made with the `svyazka` command line. */
export function recordCliChange(store: Store, r: Omit<AuditRecord, 'actor' | 'ip'>): Promise<AuditEntry> {
  return recordAudit(store, { ...r, actor: cliActor(), ip: null });
}
