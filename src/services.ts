// What the running service is made of: every part the API routes, the CLI and background jobs
// are handed. Its own module, so they depend on this shape and not on app.ts, which wires them.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { ConnectorRegistry } from './connector-kit/registry.ts';
import type { Connections } from './engine/connections.ts';
import type { Flows } from './engine/flows.ts';
import type { OutboundGuard } from './engine/outbound/guard.ts';
import type { RateLimiter } from './engine/outbound/rate-limiter.ts';
import type { CircuitBreaker } from './engine/outbound/circuit-breaker.ts';
import type { Runs } from './engine/runs.ts';
import type { SandboxPool } from './engine/sandboxes.ts';
import type { TestRunner } from './engine/test-run.ts';
import type { Variables } from './engine/variables.ts';
import type { HookTargets } from './intake/hook-targets.ts';
import type { WebhookSignals } from './intake/webhook-signals.ts';
import type { SecretBox } from './lib/secret-box.ts';
import type { Metrics } from './metrics.ts';
import type { ExecutionQueue } from './queue/types.ts';
import type { Store, Workspace } from './store/types.ts';
import type { PlansService } from './plans/service.ts';
import type { InstanceSettingsService } from './plans/instance-settings.ts';
import type { SignInThrottle } from './api/sign-in-throttle.ts';

export interface Services {
  config: Config;
  logger: Logger;
  store: Store;
  connectors: ConnectorRegistry;
  secrets: SecretBox;
  /** Workspace variables ({{vars.*}}) and which workspaces may use {{env.*}}. */
  variables: Variables;
  connections: Connections;
  flows: Flows;
  runs: Runs;
  limiter: RateLimiter;
  /** Services' circuits (outage tolerance): state in the store, shared by every process. */
  circuits: CircuitBreaker;
  metrics: Metrics;
  targets: HookTargets;
  queue: ExecutionQueue | null;
  plans: PlansService;
  /** The operator's instance settings (trial end, who creates workspaces). */
  settings: InstanceSettingsService;
  /** Connectors' sandboxes for test runs, started on first use. */
  sandboxes: SandboxPool;
  /** The SSRF guard every outgoing connection passes (SVYAZKA_OUTBOUND_ALLOW; sandboxes allowed at runtime). */
  outbound: OutboundGuard;
  testRuns: TestRunner;
  /** Told of each stored webhook (intake), for the editor's sample wait. */
  webhookSignals: WebhookSignals;
  /** Backoff for password guessing at POST /auth/login (in memory; shared once distributed mode lands). */
  signInThrottle: SignInThrottle;
  defaultWorkspace: Workspace;
}
