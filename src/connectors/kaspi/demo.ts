// The Kaspi part of `npm run demo`: starts the sandbox (a new NEW order every minute), saves a
// connection to it and the flow of examples/kaspi-to-retailcrm.json pointed at the demo's
// connections, so the running scheduler turns each Kaspi order into one RetailCRM sandbox order.
// Callbacks keep this file free of engine internals.
import { readFileSync } from 'node:fs';
import { startKaspiSandbox, type KaspiSandbox } from './sandbox.ts';

export const KASPI_DEMO_CONNECTION = 'demo-kaspi';

/** The example flow, its connections renamed to the demo's. */
export function kaspiDemoFlow(retailcrmConnection: string): Record<string, unknown> {
  const example = JSON.parse(readFileSync(new URL('../../../examples/kaspi-to-retailcrm.json', import.meta.url), 'utf8')) as Record<string, any>;
  return {
    ...example,
    name: `Демо: ${String(example.name)}`,
    trigger: { ...example.trigger, connection: KASPI_DEMO_CONNECTION, options: { ...example.trigger.options, intervalSeconds: 60 } },
    steps: (example.steps as Array<Record<string, unknown>>).map((s) => (s.connector === 'retailcrm' ? { ...s, connection: retailcrmConnection } : s)),
  };
}

export interface KaspiDemoHooks {
  saveConnection(input: { name: string; connector: string; auth: Record<string, unknown> }): Promise<unknown>;
  saveFlow(flow: unknown): Promise<unknown>;
  /** The RetailCRM demo connection's name (see retailcrm/demo.ts). */
  retailcrmConnection: string;
  port?: number;
  seed?: number;
  /** Real-time ms between new orders (default a minute). */
  newOrderEveryMs?: number;
}

export interface KaspiDemo {
  sandbox: KaspiSandbox;
  describe(): string[];
  close(): Promise<void>;
}

export async function startKaspiDemo(hooks: KaspiDemoHooks): Promise<KaspiDemo> {
  const sandbox = await startKaspiSandbox({ port: hooks.port ?? 0, seed: hooks.seed ?? 1, records: 12, days: 10, newOrderEveryMs: hooks.newOrderEveryMs ?? 60_000 });
  await hooks.saveConnection({ name: KASPI_DEMO_CONNECTION, connector: 'kaspi', auth: sandbox.credentials });
  await hooks.saveFlow(kaspiDemoFlow(hooks.retailcrmConnection));
  return {
    sandbox,
    describe: () => [
      `  Kaspi sandbox: ${sandbox.baseUrl}  (X-Auth-Token: ${sandbox.token}); a new order every ${Math.round((hooks.newOrderEveryMs ?? 60_000) / 1000)} s → RetailCRM sandbox order KASPI-<code>`,
    ],
    close: () => sandbox.close(),
  };
}
