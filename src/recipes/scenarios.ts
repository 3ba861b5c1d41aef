// How each recipe is shown working: what sets it off in the sandboxes (a CRM user's new order, a
// status change, a poll, the schedule) and the end state it must reach (a note written, a deal
// updated, an order created, a file exported). Each returns lines saying what happened, or throws
// saying what did not.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openConnectorContext } from '../engine/connector-context.ts';
import { formatDmy } from '../connectors/calltouch/client.ts';
import { runExportCommand } from '../connectors/calltouch/export-command.ts';
import type { ExecutionRecord } from '../store/types.ts';
import type { Recipe } from './catalog.ts';
import { findRecipe } from './catalog.ts';
import type { RecipeEnv } from './env.ts';

type Obj = Record<string, any>;
const FINAL = new Set(['succeeded', 'failed', 'filtered', 'stopped', 'cancelled']);
const DAY_MS = 86_400_000;

export interface ScenarioContext {
  env: RecipeEnv;
  recipe: Recipe;
  /** Where a command recipe writes its file. */
  outDir: string;
  /** How long to wait for executions to finish. */
  timeoutMs: number;
}

type Scenario = (c: ScenarioContext) => Promise<string[]>;

/** The connections the recipe names, saved to the sandboxes, and its flow imported (switched on). */
async function setUp(c: ScenarioContext, overrides: (flow: Obj) => Obj = (f) => f) {
  for (const conn of c.recipe.connections) await c.env.connect(conn.name, conn.connector);
  return c.env.importFlow(overrides(c.recipe.flow as Obj));
}

/** Waits (bounded) until the flow has `count` executions and all are finished. */
async function finished(c: ScenarioContext, flowId: string, count: number): Promise<ExecutionRecord[]> {
  const s = c.env.app.services;
  const deadline = Date.now() + c.timeoutMs;
  for (;;) {
    const items = (await s.store.listExecutions(c.env.workspaceId, { flowId, limit: Math.max(50, count) })).items;
    if (items.length >= count && items.every((e) => FINAL.has(e.status))) return items;
    if (Date.now() > deadline) {
      throw new Error(`Не дождались ${count} завершённых запусков (есть ${items.length}: ${items.map((e) => e.status).join(', ') || '—'}) / timed out waiting for ${count} finished executions`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function succeeded(runs: ExecutionRecord[], what: string): void {
  const bad = runs.filter((e) => e.status !== 'succeeded');
  if (bad.length) throw new Error(`${what}: ${bad.map((e) => `${e.id} ${e.status}${e.error ? ` — ${e.error}` : ''}`).join('; ')}`);
}

function expect(ok: unknown, message: string): void {
  if (!ok) throw new Error(message);
}

/** RetailCRM's trigger in the sandbox calls the flow's webhook on `event`. */
function crmTrigger(c: ScenarioContext, event: 'order.created' | 'order.changed', url: string): void {
  c.env.crm!.addTrigger({ event, url, method: 'POST', params: { 'order[id]': '{{ order.id }}' } });
}

const scenarios: Record<string, Scenario> = {
  async 'retailcrm-order-note-http'(c) {
    const view = await setUp(c);
    crmTrigger(c, 'order.created', c.env.localHook(view));
    const order = c.env.crm!.userCreate();
    succeeded(await finished(c, view.id, 1), 'запуск / execution');
    const got = c.env.echo!.received().find((r) => r.path === '/orders');
    expect(got && (got.body as Obj)?.number === order.number, `HTTP-запрос с заказом ${order.number} не дошёл / the HTTP request with order ${order.number} did not arrive`);
    const note = c.env.crm!.state.notes.find((n) => n.customer?.id === order.customer.id && String(n.text).includes(String(order.number)));
    expect(note, `заметки о заказе ${order.number} нет / no note about order ${order.number}`);
    return [`Заказ ${order.number} создан в RetailCRM → POST /orders ${JSON.stringify(got!.body)}`, `Заметка клиенту ${order.customer.id}: «${note!.text}»`];
  },

  async 'retailcrm-complete-to-calltouch'(c) {
    const view = await setUp(c);
    crmTrigger(c, 'order.changed', c.env.localHook(view));
    const order = c.env.crm!.state.orders.find((o) => o.status !== 'complete' && c.env.ct!.getOrder(String(o.number)))!;
    c.env.crm!.userEdit(order.id, { status: 'complete' });
    succeeded(await finished(c, view.id, 1), 'запуск / execution');
    const deal = c.env.ct!.getOrder(String(order.number))!;
    expect(deal.orderStatus === 'final' && Number(deal.plannedAmount) === Number(order.totalSumm), `сделка ${order.number} не обновлена: ${JSON.stringify({ status: deal.orderStatus, amount: deal.plannedAmount })} / the deal was not updated`);
    return [`Заказ ${order.number} → «complete» в RetailCRM`, `Сделка Calltouch ${order.number}: статус ${deal.orderStatus}, выручка ${deal.plannedAmount}`];
  },

  async 'calltouch-deal-to-retailcrm'(c) {
    // Looks back two days on the first poll, so the sandbox's recent deals come at once.
    const view = await setUp(c, (f) => ({ ...f, trigger: { ...f.trigger, options: { ...f.trigger.options, start: 'lookBack', lookBackDays: 2 } } }));
    const created = await c.env.app.scheduler.fire(c.env.workspaceId, view.id);
    expect(created > 0, 'первый опрос не нашёл сделок за 2 дня / the first poll found no deals of the last 2 days');
    succeeded(await finished(c, view.id, created), 'запуски / executions');
    const orders = c.env.crm!.state.orders.filter((o) => String(o.number).startsWith('CT-'));
    expect(orders.length === created, `заказов CT-… ${orders.length}, сделок ${created} / orders vs deals`);
    const again = await c.env.app.scheduler.fire(c.env.workspaceId, view.id);
    expect(again === 0, 'повторный опрос снова запустил связку / a second poll started the flow again');
    return [
      `Опрос журнала Calltouch (start: lookBack, 2 дня): новых сделок ${created}`,
      ...orders.map((o) => `Заказ RetailCRM ${o.number}: ${o.lastName}, ${o.phone}`),
      `Оценка: ${view.pollEstimate?.pollsPerMonth} опросов, не меньше ${view.pollEstimate?.transactionsPerMonth} транзакций в месяц`,
    ];
  },

  async 'calltouch-export'(c) {
    await c.env.connect('calltouch', 'calltouch');
    const s = c.env.app.services;
    const connection = await s.connections.open(c.env.workspaceId, 'calltouch', 'calltouch');
    const context = openConnectorContext(s, { workspaceId: c.env.workspaceId, connector: connection.connector, connection, metering: { kind: 'unmetered', why: 'cli' } });
    mkdirSync(c.outDir, { recursive: true });
    const out = join(c.outDir, 'deals.csv');
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    try {
      await runExportCommand({ http: context.http, auth: context.auth, logger: s.logger, from: formatDmy(today - 30 * DAY_MS), to: formatDmy(today), format: 'csv', excel: true, out });
    } finally {
      context.close();
    }
    const text = readFileSync(out, 'utf8');
    const lines = text.split(/\r?\n/).filter(Boolean);
    expect(text.startsWith('\ufeff') && lines.length > 1 && lines[0].includes(';'), `файл ${out} не похож на выгрузку для Excel / not an Excel export`);
    return [`Выгрузка: ${out} — ${lines.length - 1} сделок, заголовки «${lines[0].replace('\ufeff', '').split(';').slice(0, 3).join('; ')}; …»`, `То же командой: svyazka calltouch export -c calltouch --from ${formatDmy(today - 30 * DAY_MS)} --to ${formatDmy(today)} --excel -o deals.csv`];
  },

  async 'schedule-to-http'(c) {
    const view = await setUp(c);
    // The schedule fires at 09:00; here it is fired at once, as the cron would.
    expect((await c.env.app.scheduler.fire(c.env.workspaceId, view.id)) === 1, 'расписание не запустило связку / the schedule started nothing');
    succeeded(await finished(c, view.id, 1), 'запуск / execution');
    const got = c.env.echo!.received().find((r) => r.path === '/daily-report');
    expect(got, 'POST /daily-report не дошёл / did not arrive');
    return [`Расписание сработало → POST /daily-report ${JSON.stringify(got!.body)}`];
  },

  async 'order-to-http'(c) {
    const view = await setUp(c);
    const hook = c.env.localHook(view);
    for (const status of ['complete', 'new']) {
      const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order: { number: `A-${status}`, status, totalSumm: '1 990.00', customer: { phones: [{ number: '8 916 123-45-67' }] } } }) });
      await res.arrayBuffer();
    }
    const runs = await finished(c, view.id, 2);
    expect(runs.some((e) => e.status === 'succeeded') && runs.some((e) => e.status === 'filtered'), `ожидали succeeded и filtered, есть ${runs.map((e) => e.status).join(', ')}`);
    const got = c.env.echo!.received().filter((r) => r.path === '/orders');
    expect(got.length === 1 && (got[0].body as Obj).orderNumber === 'A-complete', 'дальше должен уйти только выполненный заказ / only the complete order goes on');
    return [`Вебхук: заказ A-complete → POST /orders ${JSON.stringify(got[0].body)}`, 'Вебхук: заказ A-new остановлен фильтром (filtered)'];
  },

  'ozon-to-retailcrm': (c) => marketplace(c, 'OZ-', () => c.env.ozon!.state.fbs.length),
  'wildberries-to-retailcrm': (c) => marketplace(c, 'WB-', () => c.env.wb!.state.orders.length),
  'kaspi-to-retailcrm': (c) => marketplace(c, 'KASPI-', () => c.env.kaspi!.state.orders.filter((o) => o.state === 'NEW').length),

  async 'retailcrm-stocks-to-ozon'(c) {
    const view = await setUp(c);
    expect((await c.env.app.scheduler.fire(c.env.workspaceId, view.id)) === 1, 'расписание не запустило связку / the schedule started nothing');
    succeeded(await finished(c, view.id, 1), 'запуск / execution');
    const offer = c.env.crm!.state.products.flatMap((p) => p.offers).find((o: Obj) => o.article === 'TS-WHT-001');
    const stock = c.env.ozon!.stockOf('TS-WHT-001', 22_000_000_001);
    expect(stock === offer.quantity, `остаток в Ozon ${stock}, в RetailCRM ${offer.quantity}`);
    return [`TS-WHT-001: остаток ${offer.quantity} из RetailCRM → склад Ozon 22000000001 (${stock})`];
  },

  async 'retailcrm-stocks-to-wildberries'(c) {
    const view = await setUp(c);
    expect((await c.env.app.scheduler.fire(c.env.workspaceId, view.id)) === 1, 'расписание не запустило связку / the schedule started nothing');
    succeeded(await finished(c, view.id, 1), 'запуск / execution');
    const quantity = c.env.crm!.state.products.find((p) => p.article === 'TS-WHT-001')!.offers[0].quantity;
    const stock = c.env.wb!.stockOf(658434, '2000000010014');
    expect(stock === quantity, `остаток в WB ${stock}, в RetailCRM ${quantity}`);
    return [`TS-WHT-001: остаток ${quantity} из RetailCRM → склад WB 658434, баркод 2000000010014 (${stock})`];
  },

  async 'retailcrm-calltouch-store-created'(c) {
    const view = await setUp(c);
    const hook = c.env.localHook(view);
    crmTrigger(c, 'order.created', hook);
    const order = c.env.crm!.userCreate();
    // RetailCRM redelivers now and then: the same order again creates no second deal.
    await (await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `order[id]=${order.id}` })).arrayBuffer();
    const runs = await finished(c, view.id, 2);
    expect(runs.filter((e) => e.status === 'succeeded').length === 1, `ожидали один успешный запуск, есть ${runs.map((e) => e.status).join(', ')}`);
    const deal = c.env.ct!.getOrder(String(order.number));
    const remembered = await c.env.app.services.store.collections.get(c.env.workspaceId, 'calltouch-deals', String(order.number), Date.now());
    expect(deal && remembered, `сделки ${order.number} нет в Calltouch или она не запомнена / no deal or nothing remembered`);
    return [`Заказ ${order.number} (вебхук дважды) → одна сделка Calltouch ${deal!.orderNumber}`, `Запомнено: calltouch-deals/${order.number} = ${JSON.stringify(remembered!.value)}`];
  },

  async 'retailcrm-calltouch-store-complete'(c) {
    // Its companion remembers each new order's deal first.
    const view = await setUp(c);
    const companion = await c.env.importFlow(findRecipe('retailcrm-calltouch-store-created').flow as Obj);
    crmTrigger(c, 'order.created', c.env.localHook(companion));
    crmTrigger(c, 'order.changed', c.env.localHook(view));
    const order = c.env.crm!.userCreate();
    succeeded(await finished(c, companion.id, 1), 'запоминание сделки / remembering the deal');
    c.env.crm!.userEdit(order.id, { status: 'complete' });
    const runs = await finished(c, view.id, 1);
    succeeded(runs, 'запуск / execution');
    const deal = c.env.ct!.getOrder(String(order.number))!;
    expect(deal.orderStatus === 'complete', `сделка ${order.number}: статус ${deal.orderStatus}`);
    return [`Заказ ${order.number} создан → сделка запомнена`, `Заказ ${order.number} → «complete» → сделка Calltouch обновлена: статус ${deal.orderStatus}, выручка ${deal.plannedAmount}`];
  },
};

/** A marketplace's new orders → one RetailCRM order each, from the first poll (it looks back). */
async function marketplace(c: ScenarioContext, prefix: string, available: () => number): Promise<string[]> {
  const view = await setUp(c);
  const created = await c.env.app.scheduler.fire(c.env.workspaceId, view.id);
  expect(created > 0 && created <= available(), `первый опрос запустил ${created} (в песочнице ${available()})`);
  succeeded(await finished(c, view.id, created), 'запуски / executions');
  const orders = c.env.crm!.state.orders.filter((o) => String(o.number).startsWith(prefix));
  expect(orders.length === created, `заказов ${prefix}… в RetailCRM ${orders.length}, новых заказов ${created}`);
  expect((await c.env.app.scheduler.fire(c.env.workspaceId, view.id)) === 0, 'повторный опрос снова запустил связку / a second poll started the flow again');
  return [`Первый опрос: ${created} новых заказов → ${orders.length} заказов RetailCRM (${orders.slice(0, 3).map((o) => o.number).join(', ')}${orders.length > 3 ? ', …' : ''})`, 'Повторный опрос: ничего не повторилось'];
}

export function scenarioOf(id: string): Scenario {
  const scenario = scenarios[id];
  if (!scenario) throw new Error(`Recipe "${id}" has no scenario`);
  return scenario;
}

export const SCENARIO_IDS = Object.keys(scenarios);
