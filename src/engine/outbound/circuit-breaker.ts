// A circuit per service: per connection (its account), or per host for requests made without a
// connection. After `failures` transient failures in a row, or a failure rate over a window, the
// circuit opens: requests to that service are refused before they are sent (no transaction, no
// load on a service that is down) and their executions wait (engine/circuit-driver.ts parks and
// drains them). At growing intervals one request is let through as the probe; when it is
// answered the circuit closes. The state is kept in the store, so it outlives a restart and every
// process of a distributed install shares it: transitions are compare-and-set on the row's
// version, each process counts its own failures, and reads the others' transitions every
// `refreshMs` (around a probe, at once).
import type { CircuitRecord, CircuitStore } from '../../store/circuit-store.ts';

export interface CircuitSettings {
  /** Transient failures in a row that open the circuit. */
  failures: number;
  /** …or this share of failures among at least `minRequests` requests within `windowMs`. */
  failureRate: number;
  windowMs: number;
  minRequests: number;
  /** First probe this long after opening; each failed probe doubles it, up to `probeMaxMs`. */
  probeMs: number;
  probeMaxMs: number;
  /** A probe that reports nothing within this long (its execution stopped before sending) counts as failed. */
  probeLeaseMs: number;
  /** How often a process reads the circuits other processes changed (and the driver looks for work). */
  refreshMs: number;
}

export const DEFAULT_CIRCUIT: CircuitSettings = {
  failures: 5,
  failureRate: 0.5,
  windowMs: 60_000,
  minRequests: 20,
  probeMs: 30_000,
  probeMaxMs: 10 * 60_000,
  probeLeaseMs: 150_000,
  refreshMs: 1000,
};

/** Whose circuit a request is under. */
export interface CircuitTarget {
  key: string;
  workspaceId: string;
  connectionId: string | null;
  connector: string;
  /** The connection's name or the host: what people see. */
  label: string;
}

/** A request refused unsent because its service's circuit is open. Not a TransientError: connector clients must not retry it. */
export class CircuitOpenError extends Error {
  readonly key: string;
  readonly label: string;
  readonly since: number;
  readonly nextProbeAt: number;
  constructor(rec: Pick<CircuitRecord, 'key' | 'label' | 'since' | 'nextProbeAt' | 'connector'>) {
    super(`Сервис ${rec.connector} (${rec.label}) недоступен с ${new Date(rec.since).toISOString()}: ждём его / Service ${rec.connector} (${rec.label}) is down since ${new Date(rec.since).toISOString()}: waiting for it`);
    this.name = 'CircuitOpenError';
    this.key = rec.key;
    this.label = rec.label;
    this.since = rec.since;
    this.nextProbeAt = rec.nextProbeAt;
  }
}

/** The circuit error behind `error`, if any (connector clients may wrap what they get). */
export function circuitErrorOf(error: unknown): CircuitOpenError | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) if (e instanceof CircuitOpenError) return e;
  return null;
}

export type CircuitChange = { kind: 'opened' | 'closed'; circuit: CircuitRecord; manual: boolean };

/** A request outcome as the breaker counts it: answered (any status but 408/425/5xx) or not. */
export function isServiceFailure(status: number | null): boolean {
  return status === null || status === 408 || status === 425 || status >= 500;
}

interface Local {
  /** The stored circuit as this process last knew it; undefined: closed and never stored. */
  record: CircuitRecord | undefined;
  streak: number;
  window: Array<{ at: number; ok: boolean }>;
  /** A transition in progress: further outcomes do not start another. */
  busy: boolean;
}

export class CircuitBreaker {
  readonly settings: CircuitSettings;
  private readonly store: CircuitStore;
  private readonly now: () => number;
  private readonly local = new Map<string, Local>();
  private readonly listeners: Array<(change: CircuitChange) => void> = [];

  constructor(opts: { store: CircuitStore; settings?: Partial<CircuitSettings>; now?: () => number }) {
    this.store = opts.store;
    this.settings = { ...DEFAULT_CIRCUIT, ...opts.settings };
    this.now = opts.now ?? Date.now;
  }

  /** Told of every transition this process makes (notifications, metrics, the drain). */
  onChange(listener: (change: CircuitChange) => void): void {
    this.listeners.push(listener);
  }

  /** The circuit as this process knows it (undefined: closed). */
  known(key: string): CircuitRecord | undefined {
    const rec = this.local.get(key)?.record;
    return rec && rec.state !== 'closed' ? rec : undefined;
  }

  isOpen(key: string): boolean {
    return this.known(key) !== undefined;
  }

  /**
   * Resolves when a request under `target` may be sent: 'closed' normally, 'probe' when it is the
   * one probe of an open circuit. Throws CircuitOpenError when it must not be sent. Cheap (no
   * store access) unless the circuit is open and its probe is due.
   */
  async admit(target: CircuitTarget, owner: string): Promise<'closed' | 'probe'> {
    const mem = this.local.get(target.key)?.record;
    if (!mem || mem.state === 'closed') return 'closed';
    const now = this.now();
    if (mem.state === 'open' && now < mem.nextProbeAt) throw new CircuitOpenError(mem);
    // Around a probe the store is the truth: another process may have claimed it or closed the circuit.
    let rec = await this.reload(target.key);
    for (let round = 0; round < 3; round++) {
      if (!rec || rec.state === 'closed') return 'closed';
      if (rec.state === 'open' && now < rec.nextProbeAt) throw new CircuitOpenError(rec);
      if (rec.state === 'half_open' && rec.probeOwner === owner) return 'probe';
      if (rec.state === 'half_open' && rec.probeOwner !== null && (rec.probeUntil ?? 0) > now) throw new CircuitOpenError(rec);
      const next: CircuitRecord = { ...rec, state: 'half_open', probeOwner: owner, probeUntil: now + this.settings.probeLeaseMs, probes: rec.probes + 1, updatedAt: now };
      if (await this.write(next, rec.version)) return 'probe';
      rec = await this.reload(target.key);
    }
    throw new CircuitOpenError(rec ?? mem);
  }

  /** Counts one request's outcome; may open or close the circuit (the returned promise is for tests). */
  record(target: CircuitTarget, owner: string, status: number | null, reason: string): Promise<void> {
    const local = this.localOf(target.key);
    const now = this.now();
    const failed = isServiceFailure(status);
    local.streak = failed ? local.streak + 1 : 0;
    local.window.push({ at: now, ok: !failed });
    while (local.window.length > 0 && (local.window[0].at <= now - this.settings.windowMs || local.window.length > 1000)) local.window.shift();
    const rec = local.record;
    if (local.busy) return Promise.resolve();
    if (!rec || rec.state === 'closed') {
      if (!failed || !this.tripped(local)) return Promise.resolve();
      return this.transition(local, () => this.open(target, rec, now, reason));
    }
    if (rec.state !== 'half_open') return Promise.resolve();
    // The probe's answer (or any answer while probing): the service is back, or still down.
    if (!failed) return this.transition(local, () => this.close(rec, now, false));
    if (rec.probeOwner !== owner) return Promise.resolve();
    return this.transition(local, () => this.reopen(rec, now, reason));
  }

  /** Reads every circuit other processes may have changed (the driver calls it every `refreshMs`). */
  async refresh(): Promise<CircuitRecord[]> {
    const active = await this.store.listActive();
    const seen = new Set<string>();
    for (const rec of active) {
      seen.add(rec.key);
      this.adopt(rec);
    }
    // Closed elsewhere (another process, the CLI): read once more to know.
    for (const [key, local] of this.local) {
      if (!seen.has(key) && local.record && local.record.state !== 'closed') await this.reload(key);
    }
    return active;
  }

  /** A failed probe by lease: the probe's execution stopped before sending (the driver calls it). */
  async expireProbe(rec: CircuitRecord): Promise<void> {
    const local = this.localOf(rec.key);
    await this.transition(local, () => this.reopen(rec, this.now(), rec.reason ?? 'probe sent nothing'));
  }

  /** Half-open with nobody named: the next request to it (a waiter the driver releases, a poll) is the probe. */
  async offerProbe(rec: CircuitRecord): Promise<boolean> {
    const now = this.now();
    return this.write({ ...rec, state: 'half_open', probeOwner: null, probeUntil: now + this.settings.probeLeaseMs, updatedAt: now }, rec.version);
  }

  /** Closes after a probe made outside a request (the connector's connection test). */
  async probeAnswered(rec: CircuitRecord, ok: boolean, reason: string): Promise<void> {
    const local = this.localOf(rec.key);
    const now = this.now();
    const probed = { ...rec, probes: rec.probes + 1 };
    await this.transition(local, () => (ok ? this.close(probed, now, false) : this.reopen(probed, now, reason)));
  }

  /** "Retry now": an operator closes the circuit by hand; the driver drains its waiters. */
  async closeByHand(key: string): Promise<CircuitRecord | undefined> {
    for (let round = 0; round < 3; round++) {
      const rec = await this.reload(key);
      if (!rec || rec.state === 'closed') return rec;
      if (await this.close(rec, this.now(), true)) return this.local.get(key)?.record;
    }
    return this.reload(key);
  }

  private tripped(local: Local): boolean {
    if (local.streak >= this.settings.failures) return true;
    const n = local.window.length;
    if (n < this.settings.minRequests) return false;
    return local.window.filter((o) => !o.ok).length / n >= this.settings.failureRate;
  }

  private async transition(local: Local, fn: () => Promise<unknown>): Promise<void> {
    local.busy = true;
    try {
      await fn();
    } finally {
      local.busy = false;
    }
  }

  private async open(target: CircuitTarget, closed: CircuitRecord | undefined, now: number, reason: string): Promise<boolean> {
    const next: CircuitRecord = {
      ...target,
      state: 'open',
      since: now,
      reason: reason.slice(0, 500),
      probeIntervalMs: this.settings.probeMs,
      nextProbeAt: now + this.settings.probeMs,
      probeOwner: null,
      probeUntil: null,
      probes: 0,
      version: closed?.version ?? 0,
      updatedAt: now,
    };
    const local = this.localOf(target.key);
    // Refuse at once, before the write lands: requests in flight right now must not follow.
    local.record = next;
    if (await this.write(next, closed?.version ?? 0)) {
      local.streak = 0;
      local.window = [];
      this.emit({ kind: 'opened', circuit: local.record!, manual: false });
      return true;
    }
    await this.reload(target.key);
    return false;
  }

  private async reopen(rec: CircuitRecord, now: number, reason: string): Promise<boolean> {
    const interval = Math.min(this.settings.probeMaxMs, rec.probeIntervalMs * 2);
    const next: CircuitRecord = { ...rec, state: 'open', reason: reason.slice(0, 500), probeIntervalMs: interval, nextProbeAt: now + interval, probeOwner: null, probeUntil: null, updatedAt: now };
    if (await this.write(next, rec.version)) return true;
    await this.reload(rec.key);
    return false;
  }

  private async close(rec: CircuitRecord, now: number, manual: boolean): Promise<boolean> {
    const next: CircuitRecord = { ...rec, state: 'closed', probeOwner: null, probeUntil: null, updatedAt: now };
    if (await this.write(next, rec.version)) {
      const local = this.localOf(rec.key);
      local.streak = 0;
      local.window = [];
      this.emit({ kind: 'closed', circuit: local.record!, manual });
      return true;
    }
    await this.reload(rec.key);
    return false;
  }

  /** Compare-and-set in the store; on success this process knows the new version. */
  private async write(next: CircuitRecord, expected: number): Promise<boolean> {
    const ok = await this.store.put(next, expected);
    if (ok) this.localOf(next.key).record = { ...next, version: expected + 1 };
    return ok;
  }

  private async reload(key: string): Promise<CircuitRecord | undefined> {
    const rec = await this.store.get(key);
    if (rec) this.adopt(rec);
    else this.localOf(key).record = undefined;
    return rec;
  }

  private adopt(rec: CircuitRecord): void {
    const local = this.localOf(rec.key);
    if (!local.record || local.record.version <= rec.version) local.record = rec;
  }

  private localOf(key: string): Local {
    let local = this.local.get(key);
    if (!local) {
      local = { record: undefined, streak: 0, window: [], busy: false };
      this.local.set(key, local);
    }
    return local;
  }

  private emit(change: CircuitChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure (a notification write) must not undo the transition.
      }
    }
  }
}

/** A connection's circuit, or the host's for a request made without a connection. */
export function circuitTargetOf(base: { workspaceId: string; connector: string; connection: { id: string; name?: string } | null }, url: string): CircuitTarget {
  if (base.connection) {
    return { key: `conn:${base.connection.id}`, workspaceId: base.workspaceId, connectionId: base.connection.id, connector: base.connector, label: base.connection.name ?? base.connection.id };
  }
  let host = '?';
  try {
    host = new URL(url).host;
  } catch {
    // An invalid URL fails in the HTTP client with its own message.
  }
  return { key: `host:${base.workspaceId}:${host}`, workspaceId: base.workspaceId, connectionId: null, connector: base.connector, label: host };
}
