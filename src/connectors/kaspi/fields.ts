// Catalogs of the `kaspi` connector: auth fields, trigger options, and the order as the triggers
// and `order.get` give it — Kaspi's JSON:API resource flattened (attributes lifted to the top, the
// entries fetched per order and put in `entries`), ids as Kaspi names the attributes.
import { field } from '../../connector-kit/fields.ts';
import type { FieldDef } from '../../connector-kit/types.ts';

export const DEFAULT_BASE_URL = 'https://kaspi.kz/shop/api/v2';

export const authFields: FieldDef[] = [
  {
    id: 'token',
    label: 'Токен API (X-Auth-Token)',
    labelEn: 'API token (X-Auth-Token)',
    type: 'string',
    required: true,
    secret: true,
    description: 'Кабинет продавца Kaspi → Настройки → Токен API / Kaspi seller cabinet → Settings → API token',
  },
  {
    id: 'url',
    label: 'Адрес API',
    labelEn: 'API URL',
    type: 'string',
    destination: true,
    default: DEFAULT_BASE_URL,
    description: `По умолчанию ${DEFAULT_BASE_URL} / Default ${DEFAULT_BASE_URL}`,
  },
];

/** The values of `filter[orders][state]`. */
export const ORDER_STATES = ['NEW', 'SIGN_REQUIRED', 'PICKUP', 'DELIVERY', 'KASPI_DELIVERY', 'ARCHIVE'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

const STATE_LABELS: Record<OrderState, string> = {
  NEW: 'NEW — новые (ждут принятия)',
  SIGN_REQUIRED: 'SIGN_REQUIRED — на подписании',
  PICKUP: 'PICKUP — самовывоз',
  DELIVERY: 'DELIVERY — доставка продавцом',
  KASPI_DELIVERY: 'KASPI_DELIVERY — Kaspi Доставка',
  ARCHIVE: 'ARCHIVE — архив (выданные и отменённые)',
};

/** The states of a `states` option as Kaspi spells them (upper case, each once), or the problem. */
export function normalizeStates(value: unknown): OrderState[] {
  const list = Array.isArray(value) ? value : [];
  const out: OrderState[] = [];
  for (const v of list) {
    const s = String(v).trim().toUpperCase() as OrderState;
    if (ORDER_STATES.includes(s) && !out.includes(s)) out.push(s);
  }
  return out;
}

function checkStates(value: unknown): string | null {
  const list = Array.isArray(value) ? value : [];
  if (list.length === 0) return 'укажите хотя бы одно состояние / give at least one state';
  const bad = list.filter((v) => !(ORDER_STATES as readonly string[]).includes(String(v).trim().toUpperCase()));
  return bad.length ? `неизвестные состояния ${bad.join(', ')}; допустимо: ${ORDER_STATES.join(', ')} / unknown states ${bad.join(', ')}; allowed: ${ORDER_STATES.join(', ')}` : null;
}

const stateOptions = ORDER_STATES.map((s) => ({ value: s, label: STATE_LABELS[s] }));

const lookbackDescription =
  'Насколько далеко назад искать заказы по дате создания; не больше периода парсинга тарифа (если не указано — весь период тарифа) / How far back to look by creation date; never more than the plan\'s parsing period (unset: the whole period)';

export const newOrderOptions = [
  field.array('states', 'Состояния заказов', {
    labelEn: 'Order states',
    default: ['NEW'],
    options: stateOptions,
    check: checkStates,
    description: 'Заказы в каких состояниях считать новыми (filter[orders][state]); по умолчанию NEW. Каждое состояние — отдельные запросы / Which states count as new; each state is its own requests',
  }),
  field.number('lookbackDays', 'Глубина поиска, дней', { labelEn: 'Look-back, days', min: 1, max: 60, description: lookbackDescription }),
] as const;

export const changedOrderOptions = [
  field.array('states', 'Состояния заказов', {
    labelEn: 'Order states',
    default: [...ORDER_STATES],
    options: stateOptions,
    check: checkStates,
    description: 'Среди заказов в каких состояниях следить за изменениями; по умолчанию все. Заказ, перешедший в состояние вне списка, пропадает из виду / Which states to watch; an order moving to a state outside the list is lost from view',
  }),
  field.number('lookbackDays', 'Глубина поиска, дней', { labelEn: 'Look-back, days', default: 14, min: 1, max: 60, description: lookbackDescription }),
  field.boolean('includeNew', 'Сообщать и о заказах, впервые увиденных', {
    labelEn: 'Report orders seen for the first time too',
    default: false,
    description: 'Заказ, появившийся после начала слежения, тоже считать изменением (предыдущего состояния нет) / An order that appears after watching began counts as a change (no previous state)',
  }),
] as const;

/** The order's fields, flattened (dotted ids, numeric indices), Russian labels first. */
export const orderFields: FieldDef[] = [
  { id: 'id', label: 'ID заказа в Kaspi', labelEn: 'Kaspi order id', type: 'string' },
  { id: 'code', label: 'Номер заказа', labelEn: 'Order number (code)', type: 'string' },
  { id: 'totalPrice', label: 'Сумма заказа, ₸', labelEn: 'Order total, KZT', type: 'number' },
  { id: 'paymentMode', label: 'Способ оплаты', labelEn: 'Payment mode', type: 'string' },
  { id: 'creationDate', label: 'Дата создания (мс с 1970 г.)', labelEn: 'Created at (epoch ms)', type: 'number' },
  { id: 'creationDateIso', label: 'Дата создания (ISO 8601)', labelEn: 'Created at (ISO 8601)', type: 'string' },
  { id: 'state', label: 'Состояние заказа', labelEn: 'Order state', type: 'string' },
  { id: 'status', label: 'Статус заказа', labelEn: 'Order status', type: 'string' },
  { id: 'customer.id', label: 'ID покупателя', labelEn: 'Customer id', type: 'string' },
  { id: 'customer.name', label: 'Имя покупателя полностью', labelEn: 'Customer full name', type: 'string' },
  { id: 'customer.cellPhone', label: 'Мобильный телефон покупателя', labelEn: 'Customer mobile phone', type: 'string' },
  { id: 'customer.firstName', label: 'Имя покупателя', labelEn: 'Customer first name', type: 'string' },
  { id: 'customer.lastName', label: 'Фамилия покупателя', labelEn: 'Customer last name', type: 'string' },
  { id: 'deliveryMode', label: 'Способ доставки', labelEn: 'Delivery mode', type: 'string' },
  { id: 'isKaspiDelivery', label: 'Kaspi Доставка', labelEn: 'Kaspi Delivery', type: 'boolean' },
  { id: 'deliveryCostForSeller', label: 'Стоимость доставки для продавца, ₸', labelEn: 'Delivery cost for the seller, KZT', type: 'number' },
  { id: 'plannedDeliveryDate', label: 'Плановая дата доставки (мс)', labelEn: 'Planned delivery date (epoch ms)', type: 'number' },
  { id: 'plannedDeliveryDateIso', label: 'Плановая дата доставки (ISO 8601)', labelEn: 'Planned delivery date (ISO 8601)', type: 'string' },
  { id: 'deliveryAddress.formattedAddress', label: 'Адрес доставки', labelEn: 'Delivery address', type: 'string' },
  { id: 'deliveryAddress.town', label: 'Город доставки', labelEn: 'Delivery town', type: 'string' },
  { id: 'deliveryAddress.streetName', label: 'Улица', labelEn: 'Street', type: 'string' },
  { id: 'deliveryAddress.streetNumber', label: 'Номер дома', labelEn: 'Street number', type: 'string' },
  { id: 'deliveryAddress.apartment', label: 'Квартира', labelEn: 'Apartment', type: 'string' },
  { id: 'deliveryAddress.latitude', label: 'Широта', labelEn: 'Latitude', type: 'number' },
  { id: 'deliveryAddress.longitude', label: 'Долгота', labelEn: 'Longitude', type: 'number' },
  { id: 'pickupPointId', label: 'Пункт самовывоза (склад продавца)', labelEn: 'Pickup point', type: 'string' },
  { id: 'signatureRequired', label: 'Требуется подписание', labelEn: 'Signature required', type: 'boolean' },
  { id: 'creditTerm', label: 'Срок кредита, мес.', labelEn: 'Credit term, months', type: 'number' },
  { id: 'preOrder', label: 'Предзаказ', labelEn: 'Pre-order', type: 'boolean' },
  { id: 'entriesCount', label: 'Количество позиций', labelEn: 'Number of entries', type: 'number' },
  { id: 'entries.0.id', label: 'ID позиции', labelEn: 'Entry id', type: 'string' },
  { id: 'entries.0.entryNumber', label: 'Номер позиции', labelEn: 'Entry number', type: 'number' },
  { id: 'entries.0.offer.code', label: 'Артикул товара (код продавца)', labelEn: 'Offer code (seller SKU)', type: 'string' },
  { id: 'entries.0.offer.name', label: 'Название товара', labelEn: 'Product name', type: 'string' },
  { id: 'entries.0.quantity', label: 'Количество', labelEn: 'Quantity', type: 'number' },
  { id: 'entries.0.basePrice', label: 'Цена за единицу, ₸', labelEn: 'Unit price, KZT', type: 'number' },
  { id: 'entries.0.totalPrice', label: 'Сумма позиции, ₸', labelEn: 'Entry total, KZT', type: 'number' },
  { id: 'entries.0.deliveryCost', label: 'Стоимость доставки позиции, ₸', labelEn: 'Entry delivery cost, KZT', type: 'number' },
  { id: 'entries.0.category.code', label: 'Код категории', labelEn: 'Category code', type: 'string' },
  { id: 'entries.0.category.title', label: 'Категория', labelEn: 'Category', type: 'string' },
];

export const changedFields: FieldDef[] = [
  ...orderFields,
  { id: 'previousState', label: 'Предыдущее состояние', labelEn: 'Previous state', type: 'string' },
  { id: 'previousStatus', label: 'Предыдущий статус', labelEn: 'Previous status', type: 'string' },
];

export const orderGetInput = [
  field.string('id', 'ID заказа в Kaspi', { labelEn: 'Kaspi order id', description: 'ID ресурса (id), как в событии; или укажите номер заказа / The resource id, as in the event; or give the order number' }),
  field.string('code', 'Номер заказа', { labelEn: 'Order number (code)', description: 'Номер, который видит покупатель (code) / The number the customer sees' }),
] as const;
