// The recipes: working flows for the main jobs, kept as flow files in examples/ (what a user
// imports) with a name and description in both languages here. The templates API serves them to
// the web UI's gallery; `svyazka recipe run` runs each against the sandboxes (scenarios.ts).
import { readFileSync } from 'node:fs';
import type { Label } from '../connector-kit/types.ts';

export interface RecipeInfo {
  id: string;
  name: Label;
  description: Label;
  /** The flow file in examples/; absent for a recipe that is a command (the Calltouch export). */
  file?: string;
}

export interface Recipe extends RecipeInfo {
  /** Connectors the flow uses, trigger first. */
  connectors: string[];
  /** Connections the flow names, with the connector each must belong to. */
  connections: Array<{ name: string; connector: string }>;
  /** The flow JSON as in the file; null for a command recipe. */
  flow: Record<string, unknown> | null;
}

export const RECIPES: readonly RecipeInfo[] = [
  {
    id: 'retailcrm-order-note-http',
    file: 'retailcrm-order-note-http.json',
    name: { ru: 'RetailCRM: новый заказ → HTTP-запрос + заметка клиенту', en: 'RetailCRM: new order → HTTP request + customer note' },
    description: {
      ru: 'Новый заказ RetailCRM уходит POST-запросом в ваш сервис, а в карточке клиента появляется заметка.',
      en: 'A new RetailCRM order is posted to your service and a note goes on the customer card.',
    },
  },
  {
    id: 'retailcrm-complete-to-calltouch',
    file: 'retailcrm-complete-to-calltouch.json',
    name: { ru: 'RetailCRM: заказ выполнен → сделка Calltouch', en: 'RetailCRM: order complete → Calltouch deal' },
    description: {
      ru: 'Выполненный заказ RetailCRM обновляет сделку Calltouch с тем же номером: статус по карте значений и выручка.',
      en: 'A completed RetailCRM order updates the Calltouch deal with the same number: status through a value map, revenue.',
    },
  },
  {
    id: 'calltouch-deal-to-retailcrm',
    file: 'calltouch-deal-to-retailcrm.json',
    name: { ru: 'Calltouch: новая сделка → заказ RetailCRM', en: 'Calltouch: new deal → RetailCRM order' },
    description: {
      ru: 'Опрос журнала сделок Calltouch: на каждую новую сделку — заказ в RetailCRM с телефоном клиента. Опрос стоит транзакций: оценка видна в связке.',
      en: 'Polls the Calltouch deal journal and creates a RetailCRM order per new deal. Polls cost transactions: the flow shows the estimate.',
    },
  },
  {
    id: 'calltouch-export',
    name: { ru: 'Calltouch: выгрузка журнала сделок в Excel', en: 'Calltouch: deal journal export for Excel' },
    description: {
      ru: 'Команда svyazka calltouch export --excel: все сделки за период в CSV, который Excel открывает двойным щелчком.',
      en: 'The svyazka calltouch export --excel command: every deal of a period in a CSV Excel opens by double-click.',
    },
  },
  {
    id: 'schedule-to-http',
    file: 'schedule-to-http.json',
    name: { ru: 'Расписание → HTTP-запрос', en: 'Schedule → HTTP request' },
    description: { ru: 'Каждый день в 9:00 — POST-запрос в ваш сервис.', en: 'Every day at 09:00, a POST request to your service.' },
  },
  {
    id: 'order-to-http',
    file: 'order-to-http.json',
    name: { ru: 'Вебхук → HTTP-запрос', en: 'Webhook → HTTP request' },
    description: {
      ru: 'Любой сервис присылает заказ на адрес связки; выполненные заказы уходят дальше POST-запросом.',
      en: 'Any service posts an order to the flow URL; complete orders are passed on with a POST request.',
    },
  },
  {
    id: 'ozon-to-retailcrm',
    file: 'ozon-to-retailcrm.json',
    name: { ru: 'Ozon: новое отправление → заказ RetailCRM', en: 'Ozon: new posting → RetailCRM order' },
    description: { ru: 'Каждое новое FBS-отправление Ozon — один заказ RetailCRM.', en: 'Every new Ozon FBS posting becomes one RetailCRM order.' },
  },
  {
    id: 'wildberries-to-retailcrm',
    file: 'wildberries-to-retailcrm.json',
    name: { ru: 'Wildberries: новое задание → заказ RetailCRM', en: 'Wildberries: new task → RetailCRM order' },
    description: { ru: 'Каждое новое сборочное задание WB — один заказ RetailCRM.', en: 'Every new Wildberries assembly task becomes one RetailCRM order.' },
  },
  {
    id: 'kaspi-to-retailcrm',
    file: 'kaspi-to-retailcrm.json',
    name: { ru: 'Kaspi: новый заказ → заказ RetailCRM', en: 'Kaspi: new order → RetailCRM order' },
    description: { ru: 'Каждый новый заказ Kaspi — один заказ RetailCRM.', en: 'Every new Kaspi order becomes one RetailCRM order.' },
  },
  {
    id: 'retailcrm-stocks-to-ozon',
    file: 'retailcrm-stocks-to-ozon.json',
    name: { ru: 'RetailCRM: остаток → Ozon', en: 'RetailCRM: stock → Ozon' },
    description: { ru: 'Каждые 30 минут остаток товара из RetailCRM уходит на склад Ozon.', en: 'Every 30 minutes a product stock goes from RetailCRM to an Ozon warehouse.' },
  },
  {
    id: 'retailcrm-stocks-to-wildberries',
    file: 'retailcrm-stocks-to-wildberries.json',
    name: { ru: 'RetailCRM: остаток → Wildberries', en: 'RetailCRM: stock → Wildberries' },
    description: { ru: 'Каждые 30 минут остаток товара из RetailCRM уходит на склад Wildberries.', en: 'Every 30 minutes a product stock goes from RetailCRM to a Wildberries warehouse.' },
  },
  {
    id: 'retailcrm-calltouch-store-created',
    file: 'retailcrm-calltouch-store-created.json',
    name: { ru: 'RetailCRM: новый заказ → сделка Calltouch (один раз) + запомнить', en: 'RetailCRM: new order → Calltouch deal once + remember it' },
    description: {
      ru: 'Новый заказ создаёт сделку Calltouch ровно один раз и запоминает её id в хранилище данных по номеру заказа.',
      en: 'A new order creates its Calltouch deal exactly once and remembers the deal id in the data store by order number.',
    },
  },
  {
    id: 'retailcrm-calltouch-store-complete',
    file: 'retailcrm-calltouch-store-complete.json',
    name: { ru: 'RetailCRM: заказ выполнен → запомненная сделка Calltouch', en: 'RetailCRM: order complete → the remembered Calltouch deal' },
    description: {
      ru: 'Выполненный заказ обновляет сделку, id которой запомнил предыдущий рецепт; без запомненной сделки связка тихо останавливается.',
      en: 'A completed order updates the deal the previous recipe remembered; with none remembered the flow stops quietly.',
    },
  },
];

type Obj = Record<string, unknown>;

/** Every connection a flow names (trigger, steps, router branches), with its connector. */
export function flowConnections(flow: Obj): Recipe['connections'] {
  const found = new Map<string, string>();
  const trigger = flow.trigger as Obj | undefined;
  if (trigger && typeof trigger.connection === 'string') found.set(trigger.connection, String(trigger.connector));
  const walk = (steps: unknown) => {
    for (const step of Array.isArray(steps) ? (steps as Obj[]) : []) {
      if (typeof step.connection === 'string' && typeof step.connector === 'string') found.set(step.connection, step.connector);
      for (const branch of Array.isArray(step.branches) ? (step.branches as Obj[]) : []) walk(branch.steps);
      walk(step.otherwise);
    }
  };
  walk(flow.steps);
  return [...found].map(([name, connector]) => ({ name, connector }));
}

/** Connectors a flow uses, trigger first, each once. */
export function flowConnectors(flow: Obj): string[] {
  const keys: string[] = [String((flow.trigger as Obj).connector)];
  const walk = (steps: unknown) => {
    for (const step of Array.isArray(steps) ? (steps as Obj[]) : []) {
      if (step.type === 'action' && typeof step.connector === 'string') keys.push(step.connector);
      for (const branch of Array.isArray(step.branches) ? (step.branches as Obj[]) : []) walk(branch.steps);
      walk(step.otherwise);
    }
  };
  walk(flow.steps);
  return [...new Set(keys)];
}

const EXAMPLES = new URL('../../examples/', import.meta.url);

export function loadRecipe(info: RecipeInfo): Recipe {
  if (!info.file) return { ...info, connectors: ['calltouch'], connections: [{ name: 'calltouch', connector: 'calltouch' }], flow: null };
  const flow = JSON.parse(readFileSync(new URL(info.file, EXAMPLES), 'utf8')) as Obj;
  return { ...info, connectors: flowConnectors(flow), connections: flowConnections(flow), flow };
}

let cached: Recipe[] | undefined;

/** Every recipe with its flow, read from examples/ once. */
export function loadRecipes(): Recipe[] {
  cached ??= RECIPES.map(loadRecipe);
  return cached;
}

export function findRecipe(id: string): Recipe {
  const recipe = loadRecipes().find((r) => r.id === id || r.file === id || r.file === `${id}.json`);
  if (!recipe) throw new Error(`No recipe "${id}". Recipes: ${RECIPES.map((r) => r.id).join(', ')}`);
  return recipe;
}
