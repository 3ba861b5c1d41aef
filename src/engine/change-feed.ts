// Changes made by other processes (the CLI, a second server on the same data) reach this one
// through the store's change feed: every ~500 ms the rows after the last one seen are read and each
// cache that holds the changed thing is told. This process's own changes come back the same way,
// so every handler must be harmless to run twice.
import type { Logger } from 'pino';
import type { HookTargets } from '../intake/hook-targets.ts';
import type { InstanceSettingsService } from '../plans/instance-settings.ts';
import type { PlansService } from '../plans/service.ts';
import type { ChangeRecord, ChangeStore, Store } from '../store/types.ts';
import type { Connections } from './connections.ts';
import type { TriggerScheduler } from './scheduler.ts';

export interface ChangeHandlers {
  /** A flow was created, changed or deleted. */
  flow(workspaceId: string, flowId: string): Promise<void>;
  /** One of the workspace's connections was created, changed or deleted. */
  connection(workspaceId: string): Promise<void>;
  /** The workspace's plan, trial or balance changed. */
  billing(workspaceId: string): Promise<void>;
  /** The operator's instance settings changed. */
  settings(): Promise<void>;
  /** Rows this reader had not seen were pruned: anything cached may be stale. */
  resync(): Promise<void>;
}

export interface ChangeFeedOptions {
  store: ChangeStore;
  handlers: ChangeHandlers;
  logger: Logger;
  /** Pause between reads. */
  intervalMs?: number;
  /** Rows older than this are pruned (by whichever process gets there first). */
  keepMs?: number;
  pruneEveryMs?: number;
  now?: () => number;
}

const BATCH = 1000;

export class ChangeFeed {
  private readonly opts: Required<ChangeFeedOptions>;
  private last = 0;
  private lastPrune = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = true;

  constructor(opts: ChangeFeedOptions) {
    this.opts = { intervalMs: 500, keepMs: 3_600_000, pruneEveryMs: 60_000, now: Date.now, ...opts };
  }

  /** The seq read up to. */
  get position(): number {
    return this.last;
  }

  /** Starts after the newest row: whatever was cached before now is loaded fresh by its owner. */
  async start(): Promise<void> {
    this.last = await this.opts.store.lastSeq();
    this.lastPrune = this.opts.now();
    this.stopped = false;
    this.schedule();
  }

  /** Stops reading; resolves once a read in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Reads and dispatches everything new; resolves to how many rows. One read at a time. */
  poll(): Promise<number> {
    this.running ??= this.drain().finally(() => (this.running = null));
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll()
        .then(() => this.pruneIfDue())
        .catch((err) => this.opts.logger.error({ err }, 'change feed read failed'))
        .finally(() => this.schedule());
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  private async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.opts.store.since(this.last, BATCH);
      if (rows.length === 0) return total;
      // Seqs are contiguous (one writer at a time, rolled-back rows take their seq back): a hole
      // before the first row means rows were pruned before this reader saw them.
      if (rows[0].seq > this.last + 1) await this.guard('resync', () => this.opts.handlers.resync());
      else await this.dispatch(rows);
      this.last = rows[rows.length - 1].seq;
      total += rows.length;
      if (rows.length < BATCH) return total;
    }
  }

  /** Each changed thing once per batch, in the order first seen. */
  private async dispatch(rows: readonly ChangeRecord[]): Promise<void> {
    const seen = new Set<string>();
    for (const row of rows) {
      if (row.kind === 'settings') {
        if (!seen.has('settings')) await this.guard('settings', () => this.opts.handlers.settings());
        seen.add('settings');
        continue;
      }
      const ws = row.workspaceId;
      if (!ws) continue;
      const kind = row.kind === 'ledger' ? 'billing' : row.kind;
      const key = kind === 'flow' ? `flow\0${ws}\0${row.entityId}` : `${kind}\0${ws}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const { handlers } = this.opts;
      if (kind === 'flow' && row.entityId) await this.guard(key, () => handlers.flow(ws, row.entityId!));
      else if (kind === 'connection') await this.guard(key, () => handlers.connection(ws));
      else if (kind === 'billing') await this.guard(key, () => handlers.billing(ws));
    }
  }

  /** A handler that fails is logged and not retried: the next change or a restart loads afresh. */
  private async guard(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.opts.logger.error({ err, change: what.replaceAll('\0', ' ') }, 'change feed handler failed');
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.opts.now();
    if (now - this.lastPrune < this.opts.pruneEveryMs) return;
    this.lastPrune = now;
    await this.opts.store.prune(now - this.opts.keepMs);
  }
}

export interface AppChangeDeps {
  store: Store;
  targets: HookTargets;
  connections: Connections;
  plans: PlansService;
  settings: InstanceSettingsService;
  /** Only where workers run (SVYAZKA_ROLE other than web): the timers of poll and cron flows. */
  scheduler: TriggerScheduler | null;
  /** Queues the workspace's executions waiting in quota_exceeded again (each re-checks quota). */
  resumeQuotaWaiters(workspaceId: string): Promise<void>;
}

/** What the running app does about each kind of change. */
export function appChangeHandlers(deps: AppChangeDeps): ChangeHandlers {
  const handlers: ChangeHandlers = {
    async flow(workspaceId, flowId) {
      deps.targets.invalidateFlow(flowId);
      if (!deps.scheduler) return;
      const flow = await deps.store.getFlow(workspaceId, flowId);
      if (flow) deps.scheduler.flowChanged(flow);
      else deps.scheduler.disarm(flowId);
    },
    async connection(workspaceId) {
      deps.connections.invalidateWorkspace(workspaceId);
    },
    async billing(workspaceId) {
      await deps.plans.invalidate(workspaceId);
      await deps.plans.prepare(workspaceId);
      if (deps.plans.remainingTransactions(workspaceId) > 0) await deps.resumeQuotaWaiters(workspaceId);
    },
    async settings() {
      deps.settings.invalidate();
    },
    async resync() {
      deps.settings.invalidate();
      deps.targets.clear();
      deps.connections.clear();
      for (const workspaceId of await deps.store.plans.listWorkspaceIds()) await handlers.billing(workspaceId);
      await deps.scheduler?.resync();
    },
  };
  return handlers;
}
