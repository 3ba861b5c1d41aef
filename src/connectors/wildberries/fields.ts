// Catalogs of the `wildberries` connector: auth fields, the assembly task (сборочное задание FBS)
// as GET /api/v3/orders and /api/v3/orders/new describe it, its statuses, trigger options and the
// actions' inputs and outputs. Labels follow WB's own documentation (dev.wildberries.ru, «Заказы FBS»).
import { field } from '../../connector-kit/fields.ts';
import type { FieldDef } from '../../connector-kit/types.ts';

export const DEFAULT_BASE_URL = 'https://marketplace-api.wildberries.ru';

export const authFields: FieldDef[] = [
  {
    id: 'token',
    label: 'Токен API',
    labelEn: 'API token',
    type: 'string',
    required: true,
    secret: true,
    description:
      'Личный кабинет WB → Настройки → Доступ к API: токен с категорией «Маркетплейс». Передаётся в заголовке Authorization как есть (без «Bearer») / Seller account → Settings → API access: a token with the Marketplace category',
  },
  {
    id: 'url',
    label: 'Адрес API',
    labelEn: 'API base URL',
    type: 'string',
    default: DEFAULT_BASE_URL,
    destination: true,
    description: `По умолчанию ${DEFAULT_BASE_URL}; для песочницы — её адрес / Default ${DEFAULT_BASE_URL}`,
  },
];

/** ISO 4217 numeric → letter code: the currencies WB sells in (and a few neighbours). */
export const CURRENCIES: Readonly<Record<number, string>> = {
  643: 'RUB',
  810: 'RUB', // the pre-1998 rouble code, still seen in older data
  398: 'KZT',
  933: 'BYN',
  417: 'KGS',
  51: 'AMD',
  860: 'UZS',
  944: 'AZN',
  972: 'TJS',
  981: 'GEL',
  498: 'MDL',
  934: 'TMT',
  156: 'CNY',
  949: 'TRY',
  840: 'USD',
  978: 'EUR',
};

/** An assembly task as the triggers deliver it: WB's fields as they come, plus the converted ones. */
export const orderFields: FieldDef[] = [
  { id: 'id', label: 'ID сборочного задания', labelEn: 'Assembly task id', type: 'number' },
  { id: 'rid', label: 'Уникальный ID заказа (rid, srid в отчётах)', labelEn: 'Unique order id (rid)', type: 'string' },
  { id: 'orderUid', label: 'ID транзакции (корзины покупателя)', labelEn: 'Transaction (cart) id', type: 'string' },
  { id: 'article', label: 'Артикул продавца', labelEn: "Seller's article", type: 'string' },
  { id: 'nmId', label: 'Артикул WB', labelEn: 'WB article (nmId)', type: 'number' },
  { id: 'chrtId', label: 'ID размера товара в системе WB', labelEn: 'Size id (chrtId)', type: 'number' },
  { id: 'skus', label: 'Список баркодов', labelEn: 'Barcodes', type: 'array' },
  { id: 'skus.0', label: 'Баркод', labelEn: 'Barcode', type: 'string' },
  { id: 'createdAt', label: 'Дата создания сборочного задания (RFC3339)', labelEn: 'Created at (RFC3339)', type: 'string' },
  { id: 'warehouseId', label: 'ID склада продавца', labelEn: 'Seller warehouse id', type: 'number' },
  { id: 'officeId', label: 'ID склада WB, к которому привязан склад продавца', labelEn: 'WB office id', type: 'number' },
  { id: 'offices', label: 'Список офисов, куда следует привезти товар', labelEn: 'Offices to deliver to', type: 'array' },
  { id: 'supplyId', label: 'ID поставки', labelEn: 'Supply id', type: 'string' },
  { id: 'price', label: 'Цена в валюте продажи ×100 (в копейках)', labelEn: 'Price in the sale currency ×100', type: 'number' },
  { id: 'convertedPrice', label: 'Цена в валюте страны продавца ×100 (в копейках)', labelEn: "Price in the seller's currency ×100", type: 'number' },
  { id: 'finalPrice', label: 'Сумма к оплате покупателем в валюте продажи ×100', labelEn: 'Amount the buyer pays ×100', type: 'number' },
  { id: 'convertedFinalPrice', label: 'Сумма к оплате покупателем в валюте страны продавца ×100', labelEn: "Amount the buyer pays in the seller's currency ×100", type: 'number' },
  { id: 'salePrice', label: 'Цена продавца со скидкой продавца ×100', labelEn: "Seller's price after the seller's discount ×100", type: 'number' },
  {
    id: 'priceRub',
    label: 'Цена в валюте продажи (price ÷ 100; рубли, если валюта RUB)',
    labelEn: 'Price in the sale currency (price ÷ 100; roubles when RUB)',
    type: 'number',
  },
  {
    id: 'convertedPriceRub',
    label: 'Цена в валюте продавца (convertedPrice ÷ 100; рубли для продавца из России)',
    labelEn: "Price in the seller's currency (convertedPrice ÷ 100; roubles for a Russian seller)",
    type: 'number',
  },
  { id: 'finalPriceRub', label: 'Сумма к оплате покупателем (finalPrice ÷ 100)', labelEn: 'Amount the buyer pays (finalPrice ÷ 100)', type: 'number' },
  { id: 'convertedFinalPriceRub', label: 'Сумма к оплате в валюте продавца (convertedFinalPrice ÷ 100)', labelEn: "Amount the buyer pays in the seller's currency (÷ 100)", type: 'number' },
  { id: 'currencyCode', label: 'Код валюты продажи (ISO 4217, число)', labelEn: 'Sale currency (ISO 4217 numeric)', type: 'number' },
  { id: 'convertedCurrencyCode', label: 'Код валюты страны продавца (ISO 4217, число)', labelEn: "Seller's currency (ISO 4217 numeric)", type: 'number' },
  { id: 'currency', label: 'Валюта продажи (буквенный код: RUB, KZT, BYN…)', labelEn: 'Sale currency (letter code)', type: 'string' },
  { id: 'convertedCurrency', label: 'Валюта страны продавца (буквенный код)', labelEn: "Seller's currency (letter code)", type: 'string' },
  { id: 'address.fullAddress', label: 'Адрес доставки', labelEn: 'Delivery address', type: 'string' },
  { id: 'address.longitude', label: 'Долгота', labelEn: 'Longitude', type: 'number' },
  { id: 'address.latitude', label: 'Широта', labelEn: 'Latitude', type: 'number' },
  { id: 'comment', label: 'Комментарий покупателя', labelEn: "Buyer's comment", type: 'string' },
  { id: 'deliveryType', label: 'Тип доставки (fbs)', labelEn: 'Delivery type (fbs)', type: 'string' },
  { id: 'cargoType', label: 'Тип товара: 1 — МГТ, 2 — СГТ, 3 — КГТ+', labelEn: 'Cargo type: 1 small, 2 oversized, 3 large', type: 'number' },
  { id: 'colorCode', label: 'Код цвета (только для колеруемых товаров)', labelEn: 'Colour code', type: 'string' },
  { id: 'isZeroOrder', label: 'Заказ товара с нулевым остатком', labelEn: 'Ordered at zero stock', type: 'boolean' },
  { id: 'options.isB2b', label: 'B2B-продажа', labelEn: 'B2B sale', type: 'boolean' },
  { id: 'scanPrice', label: 'Цена приёмки в копейках', labelEn: 'Acceptance price, kopecks', type: 'number' },
  { id: 'ddate', label: 'Планируемая дата доставки', labelEn: 'Planned delivery date', type: 'string' },
  { id: 'sellerDate', label: 'Дата доставки, указанная продавцом', labelEn: 'Delivery date set by the seller', type: 'string' },
  { id: 'requiredMeta', label: 'Обязательные метаданные', labelEn: 'Required metadata', type: 'array' },
  { id: 'optionalMeta', label: 'Необязательные метаданные', labelEn: 'Optional metadata', type: 'array' },
];

export const SUPPLIER_STATUSES = [
  { value: 'new', label: 'Новое сборочное задание' },
  { value: 'confirm', label: 'На сборке' },
  { value: 'complete', label: 'В доставке' },
  { value: 'cancel', label: 'Отменено продавцом' },
] as const;

export const WB_STATUSES = [
  { value: 'waiting', label: 'Сборочное задание в работе' },
  { value: 'sorted', label: 'Сборочное задание отсортировано' },
  { value: 'sold', label: 'Заказ получен покупателем' },
  { value: 'canceled', label: 'Отмена сборочного задания' },
  { value: 'canceled_by_client', label: 'Покупатель отменил заказ при получении' },
  { value: 'declined_by_client', label: 'Покупатель отменил заказ в первый час' },
  { value: 'defect', label: 'Отмена заказа по причине брака' },
  { value: 'ready_for_pickup', label: 'Прибыло на пункт выдачи заказов' },
  { value: 'postponed_delivery', label: 'Курьерская доставка отложена' },
  { value: 'accepted_by_carrier', label: 'Продавец передал заказ в службу доставки' },
  { value: 'sent_to_carrier', label: 'Заказ отправлен на склад службы доставки' },
] as const;

/** WB statuses after which an assembly task does not change any more. */
export const FINAL_WB_STATUSES: ReadonlySet<string> = new Set(['sold', 'canceled', 'canceled_by_client', 'declined_by_client', 'defect']);

export const statusFields: FieldDef[] = [
  { id: 'id', label: 'ID сборочного задания', labelEn: 'Assembly task id', type: 'number' },
  { id: 'supplierStatus', label: 'Статус сборочного задания (продавца)', labelEn: 'Supplier status', type: 'string', options: SUPPLIER_STATUSES },
  { id: 'wbStatus', label: 'Статус в системе Wildberries', labelEn: 'WB status', type: 'string', options: WB_STATUSES },
];

export const orderChangedFields: FieldDef[] = [
  ...statusFields,
  { id: 'previousSupplierStatus', label: 'Предыдущий статус продавца', labelEn: 'Previous supplier status', type: 'string' },
  { id: 'previousWbStatus', label: 'Предыдущий статус WB', labelEn: 'Previous WB status', type: 'string' },
  { id: 'rid', label: 'Уникальный ID заказа (rid)', labelEn: 'Unique order id (rid)', type: 'string' },
  { id: 'article', label: 'Артикул продавца', labelEn: "Seller's article", type: 'string' },
  { id: 'nmId', label: 'Артикул WB', labelEn: 'WB article (nmId)', type: 'number' },
  { id: 'createdAt', label: 'Дата создания сборочного задания (RFC3339)', labelEn: 'Created at (RFC3339)', type: 'string' },
];

const lookbackDays = field.number('lookbackDays', 'Глубина просмотра, дней', {
  labelEn: 'Look back, days',
  min: 1,
  max: 60,
  description: 'Сколько дней назад искать заказы при первом опросе; не больше периода парсинга тарифа (если пусто — весь период тарифа) / At most the plan’s parsing period',
});

const pageSize = field.number('pageSize', 'Заказов на странице', {
  labelEn: 'Orders per page',
  default: 1000,
  min: 1,
  max: 1000,
  description: 'Параметр limit запроса /api/v3/orders (1–1000); меньше — больше запросов / The limit of /api/v3/orders',
});

export const orderNewOptions = [lookbackDays, pageSize] as const;
export const orderChangedOptions = [lookbackDays, pageSize] as const;

export const stocksSetInput: FieldDef[] = [
  field.number('warehouseId', 'ID склада продавца', { labelEn: 'Seller warehouse id', required: true, min: 1, description: 'Из ЛК WB → Склады, или GET /api/v3/warehouses' }),
  field.array('stocks', 'Остатки: список {sku или chrtId, amount}', {
    labelEn: 'Stocks: a list of {sku or chrtId, amount}',
    description: 'JSON-массив, до 1000 строк в запросе (больше — несколькими запросами), например [{"sku":"2000000000015","amount":7}]',
  }),
  field.string('sku', 'Баркод', { labelEn: 'Barcode (sku)', description: 'Одна строка остатка, если список stocks не задан' }),
  field.number('chrtId', 'ID размера товара (chrtId)', { labelEn: 'Size id (chrtId)', description: 'Вместо баркода: WB переводит остатки на chrtId' }),
  field.number('amount', 'Остаток', { labelEn: 'Amount', min: 0, max: 100000 }),
];

export const stocksSetOutput: FieldDef[] = [
  { id: 'success', label: 'Успешно', labelEn: 'Success', type: 'boolean' },
  { id: 'warehouseId', label: 'ID склада продавца', labelEn: 'Seller warehouse id', type: 'number' },
  { id: 'updated', label: 'Обновлено строк остатков', labelEn: 'Stock lines updated', type: 'number' },
  { id: 'requests', label: 'Запросов к WB', labelEn: 'Requests to WB', type: 'number' },
];

export const orderStatusInput: FieldDef[] = [
  field.array('orders', 'ID сборочных заданий', { labelEn: 'Assembly task ids', required: true, description: 'Список или через запятую; до 1000 за запрос, больше — несколькими запросами' }),
];

export const orderStatusOutput: FieldDef[] = [
  { id: 'orders', label: 'Статусы сборочных заданий', labelEn: 'Statuses', type: 'array' },
  { id: 'orders.0.id', label: 'ID сборочного задания', labelEn: 'Assembly task id', type: 'number' },
  { id: 'orders.0.supplierStatus', label: 'Статус продавца', labelEn: 'Supplier status', type: 'string' },
  { id: 'orders.0.wbStatus', label: 'Статус WB', labelEn: 'WB status', type: 'string' },
  { id: 'supplierStatus', label: 'Статус продавца (первого задания)', labelEn: 'Supplier status (first)', type: 'string' },
  { id: 'wbStatus', label: 'Статус WB (первого задания)', labelEn: 'WB status (first)', type: 'string' },
  { id: 'count', label: 'Найдено заданий', labelEn: 'Found', type: 'number' },
  { id: 'missing', label: 'Не найдены в WB', labelEn: 'Not found in WB', type: 'array' },
];
