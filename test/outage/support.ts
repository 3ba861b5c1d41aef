// What the outage tests share: time at scale (the circuit's intervals of an install, divided by
// SCALE, so "two hours" of outage plays in seconds), a RetailCRM connector whose declared rate is
// the sandbox's, and counting what the sandbox saw.
import { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import type { SandboxRequestLogEntry } from '../../src/connector-kit/sandbox-outage.ts';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { retailcrmConnector } from '../../src/connectors/retailcrm/index.ts';
import type { CircuitSettings } from '../../src/engine/outbound/circuit-breaker.ts';
import type { TestApp } from '../support/app.ts';

/** One real second plays this many seconds of an install's life. */
export const SCALE = 1000;

/** The install's defaults (30 s first probe, at most every 10 min), at scale; failures as an install counts them. */
export const SCALED_CIRCUIT: CircuitSettings = {
  failures: 5,
  failureRate: 0.5,
  windowMs: 60_000,
  minRequests: 20,
  probeMs: 30_000 / SCALE,
  probeMaxMs: 600_000 / SCALE,
  // Long enough for a released waiter to reach the service on a busy machine; an expired lease is only another probe.
  probeLeaseMs: 2000,
  refreshMs: 50,
};

/** The build's connectors, RetailCRM declaring `rate` requests/s (the sandbox is started with the same). */
export function registryWithRate(rate: number): ConnectorRegistry {
  const fast = { ...retailcrmConnector, limits: { ...retailcrmConnector.limits!, requestsPerSecond: rate } };
  return new ConnectorRegistry(builtinConnectors().list().map((c) => (c.key === 'retailcrm' ? fast : c)));
}

/** The most requests the log shows starting within any one-second window (sliding, by arrival). */
export function maxPerSecond(entries: readonly SandboxRequestLogEntry[]): number {
  const times = entries.map((e) => e.at).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

export const local = (app: TestApp, url: string): string => url.replace(app.services.config.publicUrl, app.url);

/** Posts `bodies` to a hook, `parallel` at a time; resolves when every one was acknowledged (200). */
export async function sendAll(url: string, bodies: readonly object[], parallel = 20): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        await res.arrayBuffer();
        if (res.status === 200) break;
        if (attempt >= 20) throw new Error(`hook answered ${res.status}`);
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

export async function statusCounts(app: TestApp, flowId: string): Promise<Record<string, number>> {
  const page = await app.services.store.listExecutions(app.workspaceId, { flowId, limit: 100_000 });
  const out: Record<string, number> = {};
  for (const e of page.items) out[e.status] = (out[e.status] ?? 0) + 1;
  return out;
}
