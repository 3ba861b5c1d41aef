// The marketplaces of `npm run demo`: each sandbox seeded with recent orders, a connection to it,
// and its example flow (examples/<service>-to-retailcrm.json) pointed at the demo's RetailCRM
// sandbox, polling every minute; a new order appears in each sandbox every minute.
import { readFileSync } from 'node:fs';
import { startKaspiDemo } from '../connectors/kaspi/demo.ts';
import { startOzonSandbox } from '../connectors/ozon/sandbox.ts';
import { startWildberriesSandbox } from '../connectors/wildberries/sandbox.ts';

interface Hooks {
  saveConnection(input: { name: string; connector: string; auth: Record<string, unknown> }): Promise<unknown>;
  saveFlow(flow: unknown): Promise<unknown>;
  retailcrmConnection: string;
}

type Example = { name: string; trigger: Record<string, unknown> & { options?: Record<string, unknown> }; steps: Array<Record<string, unknown>> };

/** An example flow with its connections renamed to the demo's, polling every minute. */
function demoFlow(file: string, connection: string, retailcrmConnection: string): Example {
  const example = JSON.parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')) as Example;
  return {
    ...example,
    name: `Демо: ${example.name}`,
    trigger: { ...example.trigger, connection, options: { ...example.trigger.options, intervalSeconds: 60 } },
    steps: example.steps.map((s) => (s.connector === 'retailcrm' ? { ...s, connection: retailcrmConnection } : s)),
  };
}

export async function startMarketplaceDemos(hooks: Hooks): Promise<{ describe(): string[]; close(): Promise<void> }> {
  const ozon = await startOzonSandbox({ port: 0, seed: 1, records: 8, days: 5 });
  await hooks.saveConnection({ name: 'demo-ozon', connector: 'ozon', auth: ozon.credentials });
  await hooks.saveFlow(demoFlow('ozon-to-retailcrm.json', 'demo-ozon', hooks.retailcrmConnection));
  const wb = await startWildberriesSandbox({ port: 0, seed: 1, records: 8, days: 5 });
  await hooks.saveConnection({ name: 'demo-wildberries', connector: 'wildberries', auth: wb.credentials });
  await hooks.saveFlow(demoFlow('wildberries-to-retailcrm.json', 'demo-wildberries', hooks.retailcrmConnection));
  const kaspi = await startKaspiDemo({ saveConnection: hooks.saveConnection, saveFlow: hooks.saveFlow, retailcrmConnection: hooks.retailcrmConnection, seed: 1 });
  const timer = setInterval(() => {
    ozon.addPostings(1);
    wb.addOrders(1);
  }, 60_000);
  timer.unref();
  return {
    describe: () => [
      `  Ozon sandbox: ${ozon.baseUrl} (Client-Id ${String(ozon.credentials.clientId)}); Wildberries sandbox: ${wb.baseUrl}; a new order in each every minute`,
      ...kaspi.describe(),
      '  Marketplace flows poll every minute and create RetailCRM sandbox orders (each order once)',
    ],
    async close() {
      clearInterval(timer);
      await Promise.all([ozon.close(), wb.close(), kaspi.close()]);
    },
  };
}
