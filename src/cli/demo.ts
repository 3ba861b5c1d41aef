// `npm run demo`: the server, a local echo target standing in for "any HTTP service", and a
// `demo` workspace whose flows run end to end with no account anywhere.
import { startApp } from '../app.ts';
import { hashSecret, newApiToken } from '../api/auth.ts';
import { loadConfig } from '../config.ts';
import { startEchoTarget } from '../connectors/http/echo-target.ts';
import { startCalltouchDemo } from '../connectors/calltouch/demo.ts';
import { calltouchDeals, generateDemoData } from '../connectors/demo-data.ts';
import { RETAILCRM_DEMO_CONNECTION, startRetailcrmDemo } from '../connectors/retailcrm/demo.ts';
import { startMarketplaceDemos } from './demo-marketplaces.ts';
import { describeFirstAdmin, ensureFirstAdmin } from './first-admin.ts';

export const DEMO_FLOWS = [
  {
    name: 'Демо: заказ из вебхука → фильтр → HTTP-запрос',
    description: 'Incoming webhook with a RetailCRM-shaped order; only paid orders go on to the echo service.',
    enabled: true,
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [
      { id: 'only_paid', type: 'filter', all: [{ left: '{{trigger.order.status}}', op: 'eq', right: 'complete' }] },
      {
        id: 'deal',
        type: 'set',
        values: {
          phone: '{{trigger.order.customer.phones.0.number | phone}}',
          revenue: '{{trigger.order.totalSumm | number}}',
          date: '{{trigger.order.createdAt | date: "dd/mm/yyyy"}}',
        },
      },
      {
        id: 'send',
        type: 'action',
        connector: 'http',
        action: 'request',
        connection: 'demo-echo',
        input: {
          method: 'POST',
          url: '/deals',
          body: { orderNumber: '{{trigger.order.number}}', phone: '{{steps.deal.phone}}', revenue: '{{steps.deal.revenue}}', date: '{{steps.deal.date}}' },
        },
      },
    ],
  },
  {
    name: 'Демо: каждую минуту → HTTP-запрос',
    enabled: true,
    trigger: { connector: 'schedule', event: 'cron', options: { cron: '* * * * *', timezone: 'Europe/Moscow' } },
    steps: [
      { id: 'ping', type: 'action', connector: 'http', action: 'request', connection: 'demo-echo', input: { method: 'GET', url: '/ping', query: { at: '{{trigger.firedAt}}' } } },
    ],
  },
];

export const DEMO_ORDER = {
  order: {
    id: 1001,
    number: '1001A',
    status: 'complete',
    totalSumm: '15 990.00',
    createdAt: '2026-11-22 10:15:00',
    customer: { firstName: 'Ирина', lastName: 'Петрова', phones: [{ number: '8 (916) 123-45-67' }] },
  },
};

export async function runDemo(port?: string): Promise<void> {
  // The demo keeps its own data (./data-demo unless SVYAZKA_DATA_DIR says otherwise): its every-minute
  // flows and sandbox connections never run later under `npm start` on ./data.
  const env = { SVYAZKA_DATA_DIR: './data-demo', ...process.env, ...(port ? { PORT: port } : {}) };
  const config = loadConfig(env);
  const echo = await startEchoTarget({ port: 0 });
  const app = await startApp(config);
  const s = app.services;
  const ws = await s.store.ensureWorkspace('demo', 'Демо');
  // The web UI's way in: the first admin (created now on a fresh data dir) owns the demo workspace too.
  const admin = await ensureFirstAdmin(s);
  for (const member of await s.store.listMembers(s.defaultWorkspace.id)) {
    if (member.role === 'owner') await s.store.setMember(ws.id, member.userId, 'owner');
  }
  // The sandboxes listen on loopback, which the outbound guard refuses: each is let through by its
  // exact address and port before a connection points at it (a poll may start right after).
  const saveSandboxConnection = (input: { name: string; connector: string; auth: Record<string, unknown> }) => {
    for (const value of Object.values(input.auth)) if (typeof value === 'string' && /^https?:\/\//.test(value)) s.outbound.allow(value);
    return s.connections.save(ws.id, input);
  };
  await saveSandboxConnection({ name: 'demo-echo', connector: 'http', auth: { baseUrl: echo.baseUrl } });
  // One data set for both sandboxes: every RetailCRM order has its Calltouch deal (same number and
  // phone), dated over the last 30 days up to now.
  const dataSet = generateDemoData({ seed: 1, now: Date.now(), orders: 20, days: 30 });
  const crm = await startRetailcrmDemo({
    dataSet,
    saveConnection: saveSandboxConnection,
    saveFlow: async (flow) => s.flows.view(await s.flows.save(ws.id, flow)),
    localUrl: (url) => url.replace(config.publicUrl, app.url),
  });
  const ct = await startCalltouchDemo({ deals: calltouchDeals(dataSet), saveConnection: saveSandboxConnection, saveFlow: async (f) => s.flows.view(await s.flows.save(ws.id, f)) });
  const markets = await startMarketplaceDemos({ saveConnection: saveSandboxConnection, saveFlow: async (f) => s.flows.view(await s.flows.save(ws.id, f)), retailcrmConnection: RETAILCRM_DEMO_CONNECTION });
  const views = [];
  for (const flow of DEMO_FLOWS) views.push(s.flows.view(await s.flows.save(ws.id, flow)));
  const token = newApiToken();
  await s.store.createApiToken({ workspaceId: ws.id, userId: null, role: 'owner', name: 'demo', tokenHash: hashSecret(token) });

  // The sample orders are a real order of the data set, so its Calltouch deal exists too.
  const shared = crm.sandbox.state.orders.find((o) => o.status === 'complete');
  const sample = shared
    ? { id: shared.id, number: shared.number, status: 'complete', totalSumm: shared.totalSumm, createdAt: shared.createdAt, customer: { firstName: shared.customer.firstName, lastName: shared.customer.lastName, phones: shared.customer.phones } }
    : DEMO_ORDER.order;
  const hook = views[0].webhookUrl!;
  const local = hook.replace(config.publicUrl, app.url);
  for (const status of ['complete', 'new']) {
    await fetch(local, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: { ...sample, status } }) });
  }
  const crmChange = crm.changeSomeOrder();
  console.log(
    [
      '',
      `Svyazka demo is running at ${app.url}`,
      `  web UI: open ${config.publicUrl}, sign in${admin ? ` as ${admin.email}${admin.password ? ` / ${admin.password}` : ''}` : ' as the admin printed on first start'}, and pick «Демо» in the header`,
      `  echo service (stands in for any HTTP API): ${echo.baseUrl}`,
      ...crm.describe(),
      ...ct.describe(),
      ...markets.describe(),
      `  Shared demo data: the ${dataSet.orders.length} RetailCRM sandbox orders (last 30 days) have Calltouch deals with the same numbers and phones, e.g. ${String(sample.number)}`,
      `  RetailCRM sandbox: order ${crmChange.number} was just moved to "${crmChange.status}"; its trigger called the flow, which wrote a customer note`,
      `  (flow: ${crm.webhookUrl})`,
      `  demo workspace API token: ${token}`,
      '',
      'Flows:',
      ...views.map((v) => `  - ${v.name}${v.webhookUrl ? `\n      webhook: ${v.webhookUrl}` : ''}`),
      '',
      'Two sample orders were just sent (one "complete", one "new": the filter stops it). See them:',
      `  curl -s -H "Authorization: Bearer ${token}" ${app.url}/api/v1/executions`,
      ...(admin ? [describeFirstAdmin(admin, config.publicUrl)] : []),
      'Send your own:',
      `  curl -s -X POST ${hook} -H 'content-type: application/json' -d '${JSON.stringify({ order: sample })}'`,
      `  curl -s -X POST ${hook} --data-urlencode 'order[status]=complete' --data-urlencode 'order[number]=77' --data-urlencode 'order[customer][phones][0][number]=89161234567'`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await app.stop();
    await echo.close();
    await crm.close();
    await ct.close();
    await markets.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
