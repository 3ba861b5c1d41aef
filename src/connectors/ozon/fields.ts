// Catalogs of the Ozon connector: auth fields, trigger options, and the fields of a posting as the
// Seller API names them (snake_case, dotted with numeric indices), Russian labels from the Seller
// API reference, English beside them. `price_value` / `total_price` are ours: Ozon sends prices as
// strings ("1390.000000"); the numbers sit beside the raw strings.
import { field } from '../../connector-kit/fields.ts';
import type { FieldDef } from '../../connector-kit/types.ts';

export const DEFAULT_BASE_URL = 'https://api-seller.ozon.ru';

export const authFields: FieldDef[] = [
  {
    id: 'clientId',
    label: 'Client ID',
    labelEn: 'Client ID',
    type: 'string',
    required: true,
    description: 'Личный кабинет Ozon → Настройки → Seller API: число «Client ID» (заголовок Client-Id)',
  },
  {
    id: 'apiKey',
    label: 'API-ключ',
    labelEn: 'API key',
    type: 'string',
    required: true,
    secret: true,
    description: 'Ключ Seller API (заголовок Api-Key) с правами на отправления и товары; хранится зашифрованным',
  },
  {
    id: 'url',
    label: 'Адрес API',
    labelEn: 'API URL',
    type: 'string',
    default: DEFAULT_BASE_URL,
    destination: true,
    description: `По умолчанию ${DEFAULT_BASE_URL}; меняется только для песочницы`,
  },
];

const posting = (id: string, label: string, labelEn: string, type?: FieldDef['type']): FieldDef => ({ id, label, labelEn, ...(type ? { type } : {}) });

/** One product line of a posting, under `products.0.` (every line has the same fields). */
const productFields = (prefix: string): FieldDef[] => [
  posting(`${prefix}.offer_id`, 'Артикул товара (offer_id)', 'Seller article (offer_id)'),
  posting(`${prefix}.name`, 'Название товара', 'Product name'),
  posting(`${prefix}.sku`, 'SKU товара в Ozon', 'Ozon SKU', 'number'),
  posting(`${prefix}.quantity`, 'Количество', 'Quantity', 'number'),
  posting(`${prefix}.price`, 'Цена товара (строка Ozon, например 1390.000000)', 'Price (Ozon string, e.g. 1390.000000)'),
  posting(`${prefix}.price_value`, 'Цена товара, число', 'Price as a number', 'number'),
  posting(`${prefix}.currency_code`, 'Валюта цены', 'Price currency'),
];

/** Fields of an FBS posting (/v3/posting/fbs/list, /v3/posting/fbs/get) and, where they exist, of an FBO one. */
export const postingFields: FieldDef[] = [
  posting('scheme', 'Схема работы: fbs или fbo', 'Scheme: fbs or fbo'),
  posting('posting_number', 'Номер отправления', 'Posting number'),
  posting('order_id', 'Идентификатор заказа', 'Order ID', 'number'),
  posting('order_number', 'Номер заказа', 'Order number'),
  posting('status', 'Статус отправления', 'Posting status'),
  posting('substatus', 'Подстатус отправления', 'Posting substatus'),
  posting('in_process_at', 'Дата и время начала обработки отправления', 'Processing started at'),
  posting('shipment_date', 'Дата и время, до которой нужно собрать отправление', 'Ship by'),
  posting('delivering_date', 'Дата передачи отправления в доставку', 'Handed to delivery at'),
  posting('created_at', 'Дата и время создания отправления (FBO)', 'Created at (FBO)'),
  posting('tracking_number', 'Трек-номер отправления', 'Tracking number'),
  posting('delivery_method.id', 'Идентификатор способа доставки', 'Delivery method ID', 'number'),
  posting('delivery_method.name', 'Название способа доставки', 'Delivery method'),
  posting('delivery_method.warehouse_id', 'Идентификатор склада', 'Warehouse ID', 'number'),
  posting('delivery_method.warehouse', 'Название склада', 'Warehouse'),
  posting('delivery_method.tpl_provider', 'Служба доставки', 'Delivery service'),
  ...productFields('products.0'),
  posting('products', 'Товары отправления (список)', 'Products (list)', 'array'),
  posting('total_price', 'Сумма товаров отправления, число', 'Products total as a number', 'number'),
  posting('currency_code', 'Валюта отправления', 'Posting currency'),
  posting('customer.name', 'Имя покупателя (rFBS)', 'Customer name (rFBS)'),
  posting('customer.phone', 'Телефон покупателя (rFBS)', 'Customer phone (rFBS)'),
  posting('customer.address.city', 'Город доставки (rFBS)', 'Delivery city (rFBS)'),
  posting('customer.address.address_tail', 'Адрес доставки (rFBS)', 'Delivery address (rFBS)'),
  posting('addressee.name', 'Имя получателя', 'Addressee name'),
  posting('addressee.phone', 'Телефон получателя', 'Addressee phone'),
  posting('analytics_data.city', 'Город доставки (аналитика)', 'Delivery city (analytics)'),
  posting('analytics_data.region', 'Регион доставки (аналитика)', 'Delivery region (analytics)'),
  posting('analytics_data.warehouse_name', 'Склад (аналитика)', 'Warehouse (analytics)'),
  posting('cancellation.cancel_reason', 'Причина отмены', 'Cancellation reason'),
  posting('is_express', 'Экспресс-доставка Ozon', 'Ozon Express', 'boolean'),
];

export const POSTING_STATUSES = [
  ['awaiting_registration', 'ожидает регистрации'],
  ['acceptance_in_progress', 'идёт приёмка'],
  ['awaiting_approve', 'ожидает подтверждения'],
  ['awaiting_packaging', 'ожидает упаковки'],
  ['awaiting_deliver', 'ожидает отгрузки'],
  ['arbitration', 'арбитраж'],
  ['client_arbitration', 'клиентский арбитраж доставки'],
  ['delivering', 'доставляется'],
  ['driver_pickup', 'у водителя'],
  ['delivered', 'доставлено'],
  ['cancelled', 'отменено'],
  ['not_accepted', 'не принят на сортировочном центре'],
  ['sent_by_seller', 'отправлено продавцом'],
] as const;

const statusOptions = [{ value: '', label: 'любой / any' }, ...POSTING_STATUSES.map(([value, label]) => ({ value, label: `${value} — ${label}` }))];

export const SCHEMES = ['fbs', 'fbo', 'both'] as const;

/** Options of `posting.new` (the kit adds the poll interval). */
export const newPostingOptions = [
  field.string('schemes', 'Какие отправления', {
    labelEn: 'Which postings',
    default: 'fbs',
    options: [
      { value: 'fbs', label: 'FBS (со своего склада)' },
      { value: 'fbo', label: 'FBO (со склада Ozon)' },
      { value: 'both', label: 'FBS и FBO' },
    ],
  }),
  field.number('lookbackDays', 'Глубина первого опроса, дней', {
    labelEn: 'First poll looks back, days',
    min: 0,
    max: 365,
    description: 'Не больше периода парсинга тарифа; по умолчанию — весь период парсинга',
  }),
  field.string('status', 'Только со статусом (FBS)', {
    labelEn: 'Only with status (FBS)',
    options: statusOptions,
    description: 'Например awaiting_packaging — только ожидающие сборки; пусто — все',
  }),
] as const;

/** Options of `posting.changed`. */
export const changedPostingOptions = [
  field.string('status', 'Только переход в статус', {
    labelEn: 'Only changes to status',
    options: statusOptions,
    description: 'Пусто — любое изменение статуса',
  }),
] as const;

export const changedPostingFields: FieldDef[] = [...postingFields];

// ---------- actions ----------

export const postingGetInput = [
  field.string('posting_number', 'Номер отправления', { labelEn: 'Posting number', required: true }),
  field.boolean('with_analytics', 'С данными аналитики', { labelEn: 'With analytics data', default: false }),
  field.boolean('with_financial', 'С финансовыми данными', { labelEn: 'With financial data', default: false }),
] as const;

export const postingGetOutput: FieldDef[] = postingFields.filter((f) => f.id !== 'scheme' && f.id !== 'created_at');

export const stocksSetInput = [
  field.string('offer_id', 'Артикул товара (offer_id)', { labelEn: 'Seller article (offer_id)' }),
  field.number('product_id', 'Идентификатор товара в Ozon (product_id)', { labelEn: 'Ozon product ID (product_id)', min: 1 }),
  field.number('stock', 'Остаток, шт.', { labelEn: 'Stock, pcs', min: 0 }),
  field.number('warehouse_id', 'Идентификатор склада Ozon', { labelEn: 'Ozon warehouse ID', min: 1, description: 'Список складов — Ozon → FBS → Логистика → Склады или метод /v1/warehouse/list' }),
  field.json('stocks', 'Несколько товаров (JSON-список)', {
    labelEn: 'Several products (JSON list)',
    description: 'Вместо полей выше: [{"offer_id":"…","stock":5,"warehouse_id":…}], до 100 строк за запрос',
  }),
] as const;

export const stocksSetOutput: FieldDef[] = [
  { id: 'updated', label: 'Обновлено строк', labelEn: 'Lines updated', type: 'number' },
  { id: 'unchanged', label: 'Строк без изменений (тот же остаток)', labelEn: 'Lines unchanged (same stock)', type: 'number' },
  { id: 'result.0.offer_id', label: 'Артикул товара', labelEn: 'Seller article' },
  { id: 'result.0.product_id', label: 'Идентификатор товара', labelEn: 'Product ID', type: 'number' },
  { id: 'result.0.warehouse_id', label: 'Идентификатор склада', labelEn: 'Warehouse ID', type: 'number' },
  { id: 'result.0.updated', label: 'Остаток обновлён', labelEn: 'Stock updated', type: 'boolean' },
];

export const postingShipInput = [
  field.string('posting_number', 'Номер отправления', { labelEn: 'Posting number', required: true }),
  field.json('packages', 'Упаковки (JSON)', {
    labelEn: 'Packages (JSON)',
    description: 'Как в /v4/posting/fbs/ship: [{"products":[{"product_id":SKU,"quantity":1}]}]. Пусто — одна упаковка со всеми товарами отправления',
  }),
] as const;

export const postingShipOutput: FieldDef[] = [
  { id: 'posting_number', label: 'Номер отправления', labelEn: 'Posting number' },
  { id: 'result', label: 'Номера отправлений после сборки', labelEn: 'Posting numbers after packaging', type: 'array' },
  { id: 'status', label: 'Статус отправления', labelEn: 'Posting status' },
];
