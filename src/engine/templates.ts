// Ready-made flows the UI offers to start from. Each is a valid flow JSON; its `connection`
// values are placeholders (named after the connector) that the UI asks the user to replace with
// one of their connections. Flows start disabled.
import type { Label } from '../connector-kit/types.ts';

export interface FlowTemplate {
  id: string;
  name: Label;
  description: Label;
  /** Connectors the flow uses, trigger first. */
  connectors: string[];
  /** Placeholder connection names in `flow`, with the connector each must be a connection of. */
  connections: Array<{ placeholder: string; connector: string }>;
  flow: Record<string, unknown>;
}

export const FLOW_TEMPLATES: readonly FlowTemplate[] = [
  {
    id: 'retailcrm-order-customer-note',
    name: { ru: 'RetailCRM: новый заказ → заметка клиенту', en: 'RetailCRM: new order → customer note' },
    description: {
      ru: 'Когда в RetailCRM создают заказ, в карточку клиента добавляется заметка с номером и суммой заказа.',
      en: 'When an order is created in RetailCRM, a note with its number and total goes on the customer card.',
    },
    connectors: ['retailcrm'],
    connections: [{ placeholder: 'retailcrm', connector: 'retailcrm' }],
    flow: {
      name: 'RetailCRM: новый заказ → заметка клиенту',
      enabled: false,
      trigger: { connector: 'retailcrm', event: 'order.created', connection: 'retailcrm', options: { delivery: 'webhook' } },
      steps: [
        { id: 'has_customer', type: 'filter', name: 'Есть клиент', all: [{ left: '{{trigger.customer.id}}', op: 'exists' }] },
        {
          id: 'note',
          type: 'action',
          name: 'Заметка клиенту',
          connector: 'retailcrm',
          action: 'customerNote.create',
          connection: 'retailcrm',
          input: {
            'customer.id': '{{trigger.customer.id}}',
            text: 'Новый заказ №{{trigger.number}} на сумму {{trigger.totalSumm | default: 0}} ₽',
          },
        },
      ],
    },
  },
  {
    id: 'retailcrm-complete-calltouch-deal',
    name: { ru: 'RetailCRM: заказ выполнен → сделка Calltouch', en: 'RetailCRM: order complete → Calltouch deal' },
    description: {
      ru: 'Когда заказ в RetailCRM переходит в статус «Выполнен», в Calltouch создаётся сделка с выручкой, привязанная к звонку по телефону клиента.',
      en: 'When a RetailCRM order becomes complete, a Calltouch deal with its revenue is created, bound to the call by the customer phone.',
    },
    connectors: ['retailcrm', 'calltouch'],
    connections: [
      { placeholder: 'retailcrm', connector: 'retailcrm' },
      { placeholder: 'calltouch', connector: 'calltouch' },
    ],
    flow: {
      name: 'RetailCRM: заказ выполнен → сделка Calltouch',
      enabled: false,
      trigger: { connector: 'retailcrm', event: 'order.changed', connection: 'retailcrm', options: { delivery: 'webhook' } },
      steps: [
        { id: 'complete', type: 'filter', name: 'Заказ выполнен', all: [{ left: '{{trigger.status}}', op: 'eq', right: 'complete' }] },
        {
          id: 'deal',
          type: 'action',
          name: 'Сделка в Calltouch',
          connector: 'calltouch',
          action: 'order.create',
          connection: 'calltouch',
          input: {
            orderNumber: '{{trigger.number}}',
            matchingType: 'callContact',
            phones: '{{trigger.phone | phone}}',
            status: '{{trigger.status}}',
            revenue: '{{trigger.totalSumm | number}}',
            crm: 'retailCRM',
          },
        },
      ],
    },
  },
  {
    id: 'webhook-http-request',
    name: { ru: 'Вебхук → HTTP-запрос', en: 'Webhook → HTTP request' },
    description: {
      ru: 'Любой сервис присылает данные на адрес связки, а связка передаёт их дальше POST-запросом в нужный API.',
      en: 'Any service posts to the flow URL; the flow passes the data on to an API with a POST request.',
    },
    connectors: ['webhook', 'http'],
    connections: [],
    flow: {
      name: 'Вебхук → HTTP-запрос',
      enabled: false,
      trigger: { connector: 'webhook', event: 'incoming' },
      steps: [
        {
          id: 'send',
          type: 'action',
          name: 'Передать дальше',
          connector: 'http',
          action: 'request',
          input: { method: 'POST', url: 'https://example.ru/api/hook', bodyType: 'json', body: '{{trigger}}' },
        },
      ],
    },
  },
  {
    id: 'calltouch-deal-http-request',
    name: { ru: 'Calltouch: новая сделка → HTTP-запрос', en: 'Calltouch: new deal → HTTP request' },
    description: {
      ru: 'Связка опрашивает журнал сделок Calltouch и отправляет каждую новую сделку POST-запросом в нужный API.',
      en: 'The flow polls the Calltouch deal journal and posts every new deal to an API.',
    },
    connectors: ['calltouch', 'http'],
    connections: [{ placeholder: 'calltouch', connector: 'calltouch' }],
    flow: {
      name: 'Calltouch: новая сделка → HTTP-запрос',
      enabled: false,
      trigger: { connector: 'calltouch', event: 'order.new', connection: 'calltouch', options: { intervalSeconds: 300, lookbackDays: 3, emitChanged: false } },
      steps: [
        {
          id: 'send',
          type: 'action',
          name: 'Передать сделку',
          connector: 'http',
          action: 'request',
          input: {
            method: 'POST',
            url: 'https://example.ru/api/deals',
            bodyType: 'json',
            body: { orderNumber: '{{trigger.orderNumber}}', status: '{{trigger.orderStatus}}', amount: '{{trigger.plannedAmount}}', phone: '{{trigger.client.phones | phone}}' },
          },
        },
      ],
    },
  },
];
