// Moves open circuits along where executions run: every `refreshMs` it reads the circuits (also
// those other processes changed), lets one probe through when one is due — the oldest waiting
// execution, or, with nobody waiting, the connector's connection test — gives up a probe that never
// reported, and drains a closed circuit's waiters: all of them queued again in arrival order, spaced
// at the service's request rate, so the service sees no thundering herd (the shared rate limiter
// keeps every request within the rate anyway). Several processes may run it at once: transitions
// are compare-and-set and the drain locks its waiters, so each happens once.
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../connector-kit/registry.ts';
import type { Metrics } from '../metrics.ts';
import type { ExecutionQueue } from '../queue/types.ts';
import type { CircuitRecord, CircuitStore } from '../store/circuit-store.ts';
import type { CircuitBreaker } from './outbound/circuit-breaker.ts';

/** Waiters drained per tick at most; the rest follow on the next tick. */
const DRAIN_BATCH = 10_000;
/** A connector that declares no rate (the `http` connector): this many executions a second. */
const DEFAULT_DRAIN_RATE = 10;

export interface CircuitDriverDeps {
  breaker: CircuitBreaker;
  store: CircuitStore;
  queue: ExecutionQueue;
  connectors: ConnectorRegistry;
  logger: Logger;
  metrics: Metrics;
  /** The connector's connection test as a free probe when nobody waits (true: the service answered). */
  testConnection?: (circuit: CircuitRecord) => Promise<{ ok: boolean; reason: string } | undefined>;
  now?: () => number;
}

export class CircuitDriver {
  private readonly deps: CircuitDriverDeps;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** Circuits this process reported as not ok, so the gauge goes back to 0 when they close. */
  private readonly shown = new Map<string, string>();

  constructor(deps: CircuitDriverDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    deps.breaker.onChange((change) => {
      if (change.kind === 'closed') this.kick();
    });
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One pass now (tests call it; a closing circuit calls it so its drain starts at once). */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass()
      .catch((err) => this.deps.logger.warn({ err: (err as Error).message }, 'circuits: pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          void this.tick();
        }
      });
    return this.running;
  }

  private kick(): void {
    if (this.stopped) return;
    void this.tick().finally(() => this.arm());
  }

  private arm(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.deps.breaker.settings.refreshMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    const { breaker, store } = this.deps;
    const active = await breaker.refresh();
    const waiting = await store.waitingCounts(active.map((c) => c.key));
    const now = this.now();
    for (const circuit of active) {
      const waiters = waiting.get(circuit.key) ?? 0;
      if (circuit.state === 'closed') {
        if (waiters > 0) await this.drain(circuit);
      } else if (circuit.state === 'open' && now >= circuit.nextProbeAt) {
        await this.probe(circuit, waiters);
      } else if (circuit.state === 'half_open' && (circuit.probeUntil ?? 0) <= now) {
        await breaker.expireProbe(circuit);
      }
      this.show(circuit, waiters);
    }
    const seen = new Set(active.map((c) => c.key));
    for (const [key, connector] of [...this.shown]) {
      if (seen.has(key)) continue;
      this.deps.metrics.circuitState.set({ connector, circuit: key }, 0);
      this.deps.metrics.circuitWaiting.set({ connector, circuit: key }, 0);
      this.shown.delete(key);
    }
  }

  private async probe(circuit: CircuitRecord, waiters: number): Promise<void> {
    const { breaker, store, queue } = this.deps;
    if (waiters === 0 && this.deps.testConnection && circuit.connectionId) {
      const answer = await this.deps.testConnection(circuit).catch((err: Error) => ({ ok: false, reason: err.message }));
      if (answer) return breaker.probeAnswered(circuit, answer.ok, answer.reason);
    }
    // Half open with nobody named: the oldest waiter, released now, is the one request let through.
    if (!(await breaker.offerProbe(circuit))) return;
    if (waiters === 0) return;
    const released = await store.release(circuit.key, this.now(), 0, 1);
    await queue.push(released.map((r) => ({ executionId: r.executionId, runAt: r.runAt })));
  }

  private async drain(circuit: CircuitRecord): Promise<void> {
    const rate = this.deps.connectors.get(circuit.connector)?.limits?.requestsPerSecond ?? DEFAULT_DRAIN_RATE;
    const released = await this.deps.store.release(circuit.key, this.now(), 1000 / rate, DRAIN_BATCH);
    if (released.length === 0) return;
    this.deps.logger.info({ circuit: circuit.key, executions: released.length, ratePerSecond: rate }, 'circuits: service is back; draining its waiting executions');
    await this.deps.queue.push(released.map((r) => ({ executionId: r.executionId, runAt: r.runAt })));
  }

  private show(circuit: CircuitRecord, waiters: number): void {
    const labels = { connector: circuit.connector, circuit: circuit.key };
    this.deps.metrics.circuitState.set(labels, circuit.state === 'open' ? 2 : circuit.state === 'half_open' || waiters > 0 ? 1 : 0);
    this.deps.metrics.circuitWaiting.set(labels, waiters);
    this.shown.set(circuit.key, circuit.connector);
  }

}
