// The RetailCRM part of `npm run demo`: starts the sandbox, saves a connection to it and the flow
// "RetailCRM order.changed → customerNote.create", and configures the sandbox's own trigger to call
// that flow's webhook — so changing an order in the sandbox really sends a webhook, as RetailCRM
// does. Callbacks keep this file free of engine internals.
import type { DemoDataSet } from '../demo-data.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from './sandbox.ts';
import { webhookSetupInstructions } from './triggers/webhook.ts';

export const RETAILCRM_DEMO_CONNECTION = 'demo-retailcrm';

export const RETAILCRM_DEMO_FLOW = {
  name: 'Демо: RetailCRM заказ изменён → заметка в карточке клиента',
  description: 'Триггер песочницы RetailCRM присылает order[id]; Svyazka загружает заказ целиком и пишет заметку клиенту.',
  enabled: true,
  trigger: { connector: 'retailcrm', event: 'order.changed', connection: RETAILCRM_DEMO_CONNECTION, options: { refetch: true } },
  steps: [
    {
      id: 'note',
      type: 'action',
      connector: 'retailcrm',
      action: 'customerNote.create',
      connection: RETAILCRM_DEMO_CONNECTION,
      input: {
        'customer.id': '{{trigger.customer.id}}',
        text: 'Заказ {{trigger.number}} на {{trigger.totalSumm}} ₽: статус «{{trigger.status}}»',
      },
    },
  ],
};

export interface RetailcrmDemoHooks {
  saveConnection(input: { name: string; connector: string; auth: Record<string, unknown> }): Promise<unknown>;
  /** Saves the flow; resolves to its view (with `webhookUrl`). */
  saveFlow(flow: unknown): Promise<{ webhookUrl?: string | null }>;
  /** The public webhook URL → one this process can reach (the sandbox runs next to the server). */
  localUrl(webhookUrl: string): string;
  port?: number;
  seed?: number;
  /** The demo's shared data set (orders whose Calltouch deals have the same numbers and phones). */
  dataSet?: DemoDataSet;
}

export interface RetailcrmDemo {
  sandbox: RetailcrmSandbox;
  webhookUrl: string;
  /** Lines for the demo banner. */
  describe(): string[];
  /** Changes one seeded order's status in the sandbox (as a CRM user would): fires the trigger. */
  changeSomeOrder(): { id: number; number: string; status: string };
  close(): Promise<void>;
}

export async function startRetailcrmDemo(hooks: RetailcrmDemoHooks): Promise<RetailcrmDemo> {
  const sandbox = await startRetailcrmSandbox({ port: hooks.port ?? 0, seed: hooks.seed ?? 1, records: 20, dataSet: hooks.dataSet });
  await hooks.saveConnection({ name: RETAILCRM_DEMO_CONNECTION, connector: 'retailcrm', auth: sandbox.credentials });
  const view = await hooks.saveFlow(RETAILCRM_DEMO_FLOW);
  const webhookUrl = view.webhookUrl;
  if (!webhookUrl) throw new Error('The RetailCRM demo flow has no webhook URL');
  sandbox.addTrigger({ event: 'order.changed', method: 'POST', url: hooks.localUrl(webhookUrl), params: { 'order[id]': '{{ order.id }}' } });
  const statuses = ['assembling', 'delivering', 'complete'];
  let turn = 0;
  return {
    sandbox,
    webhookUrl,
    describe: () => [
      `  RetailCRM sandbox: ${sandbox.baseUrl}  (X-API-KEY: ${sandbox.apiKey}, site: ${sandbox.site})`,
      `  RetailCRM trigger set-up for the flow «${RETAILCRM_DEMO_FLOW.name}»:`,
      ...webhookSetupInstructions('order.changed', webhookUrl).split('\n').map((l) => `      ${l}`),
    ],
    changeSomeOrder() {
      const order = sandbox.state.orders[turn % sandbox.state.orders.length];
      const status = statuses[turn % statuses.length] === order.status ? 'cancel-other' : statuses[turn % statuses.length];
      turn++;
      const changed = sandbox.userEdit(order.id, { status });
      return { id: changed.id, number: changed.number, status: changed.status };
    },
    close: () => sandbox.close(),
  };
}
