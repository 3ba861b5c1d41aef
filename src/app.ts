// Wires the parts into one running service: store, queue, executor, scheduler, HTTP server.
// `openServices` alone (no HTTP, no workers) is what the CLI uses against the same data.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { ConnectorRegistry } from './connector-kit/registry.ts';
import { builtinConnectors } from './connectors/index.ts';
import { appChangeHandlers, ChangeFeed } from './engine/change-feed.ts';
import { Connections } from './engine/connections.ts';
import { Executor } from './engine/executor.ts';
import { Flows } from './engine/flows.ts';
import { OutboundGuard, type Resolver } from './engine/outbound/guard.ts';
import { LocalRateLimiter } from './engine/outbound/rate-limiter.ts';
import { CircuitBreaker } from './engine/outbound/circuit-breaker.ts';
import { CircuitDriver } from './engine/circuit-driver.ts';
import { notifyCircuitChange } from './engine/circuit-notices.ts';
import { Runs } from './engine/runs.ts';
import { SandboxPool } from './engine/sandboxes.ts';
import { TriggerScheduler } from './engine/scheduler.ts';
import { TestRunner } from './engine/test-run.ts';
import { Variables } from './engine/variables.ts';
import { HookTargets } from './intake/hook-targets.ts';
import { WebhookSignals } from './intake/webhook-signals.ts';
import { loadMasterKey, SecretBox } from './lib/secret-box.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { EmbeddedQueue } from './queue/embedded-queue.ts';
import type { Distributed } from './queue/distributed.ts';
import type { RedisLeader } from './queue/leader.ts';
import { buildHealthServer } from './api/health-server.ts';
import { SqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/types.ts';
import { buildServer } from './api/server.ts';
import { loadPlanCatalog } from './plans/catalog.ts';
import { PlansService } from './plans/service.ts';
import { InstanceSettingsService } from './plans/instance-settings.ts';
import { startRetention } from './plans/retention.ts';
import { collectWhenIdle } from './lib/idle-gc.ts';
import { preparePrivateDir } from './lib/private-files.ts';
import { SignInThrottle } from './api/sign-in-throttle.ts';
import { startAlertDispatcher } from './alerts/index.ts';

export const DEFAULT_WORKSPACE = 'default';

// The services' shape lives in services.ts: routes and retention depend on it, not on this wiring.
import type { Services } from './services.ts';
export type { Services };

async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(config.databaseUrl)) throw new Error('DATABASE_URL must be a postgres:// URL (unset it to use SQLite in SVYAZKA_DATA_DIR)');
    // Loaded only here: on SQLite the PostgreSQL store and its driver (~2 MB of heap) stay out.
    const { PostgresStore } = await import('./store/postgres/postgres-store.ts');
    return new PostgresStore(config.databaseUrl, { onWarning: (message) => logger.warn(message) });
  }
  return new SqliteStore(join(config.dataDir, 'svyazka.db'), { synchronous: config.sqliteSync, onWarning: (message) => logger.warn(message) });
}

/** Opens the data dir: migrations applied, master key loaded, workspace `default` present. */
export async function openServices(
  config: Config,
  opts: {
    logger?: Logger;
    withQueue?: boolean;
    connectors?: ConnectorRegistry;
    signInThrottle?: SignInThrottle;
    outboundResolver?: Resolver;
    /** REDIS_URL in a server process: the BullMQ queue and the limits shared by every process. */
    distributed?: Distributed;
  } = {},
): Promise<Services> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  // Everything written from here on (database, WAL, key, exports) is for this user's eyes only.
  process.umask(0o077);
  preparePrivateDir(config.dataDir, logger);
  const store = await openStore(config, logger);
  await store.migrate();
  const secrets = new SecretBox(loadMasterKey(config.dataDir, config.secretKey));
  const connectors = opts.connectors ?? builtinConnectors();
  const metrics = new Metrics();
  const onExecutionError = (executionId: string, error: unknown) => logger.error({ executionId, err: error }, 'execution crashed; it resumes on next start');
  const queue = !opts.withQueue
    ? null
    : opts.distributed
      ? opts.distributed.createQueue(store, { onError: onExecutionError, onDepth: (depth) => setQueueDepth(metrics, depth) })
      : new EmbeddedQueue({ concurrency: config.workers, onError: onExecutionError });
  const targets = new HookTargets(store);
  const variables = new Variables({ store, secrets, templateEnv: config.templateEnv, envWorkspaces: config.envWorkspaces });
  const flows = new Flows({ store, connectors, publicUrl: config.publicUrl, envAllowed: (workspaceId) => variables.envAllowed(workspaceId) });
  flows.onChange({ flowChanged: (flow, previous) => { targets.invalidate(previous); if (flow) targets.invalidate(flow.hookToken); } });
  const defaultWorkspace = await store.ensureWorkspace(DEFAULT_WORKSPACE, 'Default');
  const catalog = loadPlanCatalog(config.plansFile);
  const settings = new InstanceSettingsService({ store: store.access, catalog });
  // Several processes may share a PostgreSQL store: quotas are taken from its counter, exact across them.
  const plans = new PlansService({ catalog, store: store.plans, logger, trialEndPolicy: () => settings.trialEndPolicy(), exactQuotas: Boolean(config.databaseUrl) });
  if (opts.distributed) plans.webhookRate = opts.distributed.webhookRate;
  // The resolver is the system's unless a test makes a name resolve where it needs.
  const outbound = new OutboundGuard({ allow: config.outboundAllow, resolver: opts.outboundResolver });
  const connections = new Connections({ store, connectors, secrets, outbound });
  const limiter = opts.distributed?.limiter ?? new LocalRateLimiter();
  const circuits = new CircuitBreaker({ store: store.circuits, settings: config.circuit });
  circuits.onChange((change) => {
    logger.warn({ circuit: change.circuit.key, connector: change.circuit.connector, state: change.kind, manual: change.manual }, change.kind === 'opened' ? 'service is down: circuit opened' : 'service is back: circuit closed');
    void notifyCircuitChange(store.plans, change).catch((err) => logger.warn({ err: (err as Error).message }, 'circuit notification not stored'));
  });
  const sandboxes = new SandboxPool({ outbound });
  return {
    config,
    logger,
    store,
    connectors,
    secrets,
    connections,
    flows,
    runs: new Runs({ store, queue }),
    limiter,
    circuits,
    metrics,
    targets,
    queue,
    plans,
    settings,
    sandboxes,
    variables,
    outbound,
    testRuns: new TestRunner({ connectors, connections, limiter, outbound, logger, sandboxes, variables, plans, store }),
    webhookSignals: new WebhookSignals(),
    signInThrottle: opts.signInThrottle ?? new SignInThrottle(),
    defaultWorkspace,
  };
}

export interface RunningApp {
  services: Services;
  server: FastifyInstance;
  scheduler: TriggerScheduler;
  /** Tells this process's caches and timers of changes other processes made. */
  changeFeed: ChangeFeed;
  /** Distributed workers: the election of the one process that runs schedules and polls. */
  leader: RedisLeader | null;
  url: string;
  stop(): Promise<void>;
}

/** `svyazka serve`: HTTP server plus workers (per SVYAZKA_ROLE) in this process. */
export async function startApp(
  config: Config,
  opts: {
    logger?: Logger;
    connectors?: ConnectorRegistry;
    signInThrottle?: SignInThrottle;
    outboundResolver?: Resolver;
    /** Pause between reads of the change feed (tests lengthen it to see the Redis nudge at work). */
    changeFeedIntervalMs?: number;
  } = {},
): Promise<RunningApp> {
  const runWorkers = config.role !== 'web';
  const logger0 = opts.logger ?? createLogger({ level: config.logLevel });
  // Redis and BullMQ load only for a distributed install: a single process spares their ~40 MB.
  const distributed = config.redisUrl ? new (await import('./queue/distributed.ts')).Distributed(config, logger0) : undefined;
  const services = await openServices(config, { ...opts, logger: logger0, withQueue: true, distributed });
  const { store, queue, logger } = services;
  const executor = new Executor({
    store,
    queue: queue!,
    connectors: services.connectors,
    connections: services.connections,
    limiter: services.limiter,
    outbound: services.outbound,
    logger,
    metrics: services.metrics,
    retry: config.retry,
    breaker: services.circuits,
    plans: services.plans,
    variables: services.variables,
  });
  services.plans.onQuotaAvailable = (workspaceId) => void resumeQuotaWaiters(services, workspaceId);
  const scheduler = new TriggerScheduler({
    store,
    queue: queue!,
    connectors: services.connectors,
    connections: services.connections,
    limiter: services.limiter,
    outbound: services.outbound,
    logger,
    metrics: services.metrics,
    plans: services.plans,
    retry: config.retry,
    breaker: services.circuits,
    pollLease: distributed ? { owner: distributed.owner, leaseMs: config.queueLockMs } : undefined,
  });
  // Probes and drains of services that were down, where executions run.
  const circuitDriver = runWorkers
    ? new CircuitDriver({
        breaker: services.circuits,
        store: store.circuits,
        queue: queue!,
        connectors: services.connectors,
        logger,
        metrics: services.metrics,
        testConnection: (circuit) => testCircuitConnection(services, circuit),
      })
    : null;
  // Timers only where workers run: a web-role server beside a worker would fire every flow twice.
  if (runWorkers) services.flows.onChange({ flowChanged: (flow) => scheduler.flowChanged(flow) });
  // Distributed: of all the workers only the leader arms timers (each tick and poll runs once).
  const leader =
    distributed && runWorkers
      ? distributed.createLeader((isLeader) => {
          if (isLeader) void scheduler.start().catch((err) => logger.error({ err }, 'scheduler did not start'));
          else scheduler.stop();
        })
      : null;
  const changeFeed = new ChangeFeed({
    store: store.changes,
    logger,
    ...(opts.changeFeedIntervalMs ? { intervalMs: opts.changeFeedIntervalMs } : {}),
    handlers: appChangeHandlers({
      ...services,
      scheduler: runWorkers ? scheduler : null,
      resumeQuotaWaiters: (workspaceId) => resumeQuotaWaiters(services, workspaceId),
    }),
  });
  // Before the scheduler reads the flows: a change landing in between is then heard, not lost.
  await changeFeed.start();
  // Another process's change is read at once when it says so, not at the next poll.
  await distributed?.nudge.listen(() => void changeFeed.poll().catch((err) => logger.error({ err }, 'change feed read failed')));
  services.metrics.queueDepth.reset();

  // A worker serves only health and metrics: the API, the UI and /hooks are the web role's.
  const server = config.role === 'worker' ? await buildHealthServer(services) : await buildServer(services);
  const sweep = runWorkers && queue instanceof EmbeddedQueue ? startSweeper(services, queue) : null;
  const retention = runWorkers ? startRetention(services) : null;
  // Alerts read what executions wrote; distributed, only the leader sends them.
  const alerts = runWorkers ? startAlertDispatcher(services, { active: () => !leader || leader.isLeader() }) : null;
  let handled = 0;
  server.addHook('onResponse', async () => void handled++);
  if (distributed) {
    server.addHook('onResponse', async (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.url.startsWith('/api/')) distributed.nudge.publish();
    });
  }
  const idleGc = collectWhenIdle(() => {
    const depth = queue!.depth();
    const busy = handled > 0 || depth.ready + depth.running > 0;
    handled = 0;
    return busy;
  });
  if (runWorkers) {
    queue!.start((id) => executor.run(id));
    circuitDriver!.start();
    if (leader) {
      // A follower arms nothing, also not from flow changes, until the election says otherwise.
      scheduler.stop();
      await leader.start();
    } else {
      await scheduler.start();
    }
  }
  const address = await server.listen({ port: config.port, host: config.host });
  const url = address.replace('[::]', 'localhost').replace('0.0.0.0', '127.0.0.1');
  logger.info({ url, dataDir: config.dataDir, role: config.role }, 'svyazka is up');

  return {
    services,
    server,
    scheduler,
    changeFeed,
    leader,
    url,
    async stop() {
      await changeFeed.stop();
      await leader?.stop();
      if (sweep) clearInterval(sweep);
      retention?.stop();
      await alerts?.stop();
      clearInterval(idleGc);
      scheduler.stop();
      await circuitDriver?.stop();
      await server.close();
      await services.sandboxes.stop();
      await queue!.stop();
      await distributed?.close();
      await services.outbound.close();
      await store.close();
    },
  };
}

/** The connector's own connection test as a free probe of a circuit nobody waits on. */
async function testCircuitConnection(services: Services, circuit: { workspaceId: string; connectionId: string | null }): Promise<{ ok: boolean; reason: string } | undefined> {
  if (!circuit.connectionId) return undefined;
  const connection = await services.store.getConnection(circuit.workspaceId, circuit.connectionId);
  if (!connection || !services.connectors.get(connection.connector)?.auth.test) return undefined;
  const result = await services.connections.test(connection, services.limiter, services.logger);
  return { ok: result.ok, reason: result.message };
}

/** After an upgrade or top-up: executions waiting for quota run again now (each re-checks it). */
async function resumeQuotaWaiters(services: Services, workspaceId: string): Promise<void> {
  const ids = await services.store.plans.listQuotaExceeded(workspaceId, 100_000);
  const now = Date.now();
  for (const id of ids) await services.store.updateExecution(id, { status: 'queued', nextRunAt: now });
  await services.queue?.push(ids.map((executionId) => ({ executionId })));
}

/**
 * Hands unfinished executions to the queue: all of them at start (resume after a crash), then
 * every second those created by another process (CLI replay/retry) that this queue has not seen.
 */
function startSweeper(services: Services, queue: EmbeddedQueue): NodeJS.Timeout {
  let first = true;
  const sweep = async () => {
    // At start every unfinished execution; later only those idle for a while (orphans).
    const pending = await services.store.listUnfinished(first ? 1_000_000 : 1000, first ? undefined : Date.now() - 2000);
    first = false;
    const fresh = pending.filter((p) => !queue.has(p.id));
    if (fresh.length > 0) await queue.push(fresh.map((p) => ({ executionId: p.id, runAt: p.nextRunAt })));
    setQueueDepth(services.metrics, queue.depth());
  };
  void sweep();
  const timer = setInterval(() => void sweep().catch((err) => services.logger.error({ err }, 'queue sweep failed')), 1000);
  timer.unref();
  return timer;
}

function setQueueDepth(metrics: Metrics, depth: { ready: number; scheduled: number; running: number }): void {
  metrics.queueDepth.set({ state: 'ready' }, depth.ready);
  metrics.queueDepth.set({ state: 'scheduled' }, depth.scheduled);
  metrics.queueDepth.set({ state: 'running' }, depth.running);
}
