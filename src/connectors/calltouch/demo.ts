// The Calltouch part of `npm run demo`: starts the sandbox (a year of seeded deals up to today),
// saves a connection to it and two flows — "RetailCRM order → Calltouch deal" (the main scenario:
// an order's status and revenue reach Calltouch) and "new deal in the journal". Callbacks keep
// this file free of engine internals.
import { formatDmy } from './client.ts';
import { startCalltouchSandbox, type CalltouchSandbox, type CalltouchSandboxOptions } from './sandbox.ts';

export const CALLTOUCH_DEMO_CONNECTION = 'demo-calltouch';

export const CALLTOUCH_DEMO_FLOWS = [
  {
    name: 'Демо: заказ RetailCRM → сделка Calltouch',
    description: 'Вебхук с заказом RetailCRM: сделка создаётся в Calltouch по телефону клиента, затем получает статус и выручку заказа.',
    enabled: true,
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [
      {
        id: 'deal',
        type: 'action',
        connector: 'calltouch',
        action: 'order.create',
        connection: CALLTOUCH_DEMO_CONNECTION,
        input: { orderNumber: '{{trigger.order.number}}', matchingType: 'callContact', phones: '{{trigger.order.customer.phones.0.number | phone}}', status: 'new', crm: 'retailCRM' },
      },
      {
        id: 'status',
        type: 'action',
        connector: 'calltouch',
        action: 'order.update',
        connection: CALLTOUCH_DEMO_CONNECTION,
        input: { orderNumber: '{{steps.deal.orderNumber}}', status: '{{trigger.order.status}}', revenue: '{{trigger.order.totalSumm | number}}' },
      },
    ],
  },
  {
    name: 'Демо: новая сделка в журнале Calltouch',
    enabled: true,
    trigger: { connector: 'calltouch', event: 'order.new', connection: CALLTOUCH_DEMO_CONNECTION, options: { intervalSeconds: 60, lookbackDays: 3 } },
    steps: [{ id: 'deal', type: 'set', values: { number: '{{trigger.orderNumber}}', event: '{{trigger.event}}', status: '{{trigger.orderStatus}}', amount: '{{trigger.plannedAmount}}' } }],
  },
];

export interface CalltouchDemoHooks {
  saveConnection(input: { name: string; connector: string; auth: Record<string, unknown> }): Promise<unknown>;
  saveFlow(flow: unknown): Promise<{ webhookUrl?: string | null }>;
  port?: number;
  seed?: number;
  records?: number;
  /** The demo's shared data set: a deal for each RetailCRM order (same number and phone). */
  deals?: CalltouchSandboxOptions['deals'];
}

export interface CalltouchDemo {
  sandbox: CalltouchSandbox;
  webhookUrl: string | null;
  describe(): string[];
  close(): Promise<void>;
}

export async function startCalltouchDemo(hooks: CalltouchDemoHooks): Promise<CalltouchDemo> {
  const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const sandbox = await startCalltouchSandbox({ port: hooks.port ?? 0, seed: hooks.seed ?? 1, records: hooks.records ?? 5000, startDate: formatDmy(today - 364 * 86_400_000), days: 365, deals: hooks.deals });
  await hooks.saveConnection({ name: CALLTOUCH_DEMO_CONNECTION, connector: 'calltouch', auth: sandbox.credentials });
  let webhookUrl: string | null = null;
  for (const flow of CALLTOUCH_DEMO_FLOWS) {
    const view = await hooks.saveFlow(flow);
    webhookUrl ??= view.webhookUrl ?? null;
  }
  return {
    sandbox,
    webhookUrl,
    describe: () => [
      `  Calltouch sandbox: ${sandbox.baseUrl}  (siteId ${sandbox.credentials.siteId}, ${sandbox.seeded} deals over the last year)`,
      `  Calltouch export: svyazka calltouch export -w demo --connection ${CALLTOUCH_DEMO_CONNECTION} --from ${formatDmy(today - 30 * 86_400_000)} --to ${formatDmy(today)} --format csv --bom --out deals.csv`,
      ...(webhookUrl ? [`  RetailCRM order → Calltouch deal: POST a RetailCRM-shaped order to ${webhookUrl}`] : []),
    ],
    close: () => sandbox.close(),
  };
}
