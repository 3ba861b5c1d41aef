// Catalogs of the `calltouch` connector: auth fields, the deal-journal export's parameters and
// record fields (ids exactly as the seed page "Выгрузка журнала сделок" spells them), and the
// lead-service create/update inputs.
import { field } from '../../connector-kit/fields.ts';
import type { FieldDef } from '../../connector-kit/types.ts';

export const authFields: FieldDef[] = [
  { id: 'siteId', label: 'ID сайта', labelEn: 'Site id', type: 'string', required: true, description: 'ID сайта в ЛК Calltouch: «Интеграции → API и Webhooks»' },
  {
    id: 'clientApiId',
    label: 'Токен API (clientApiId)',
    labelEn: 'API token (clientApiId)',
    type: 'string',
    required: true,
    secret: true,
    description: 'Токен доступа к статистике через API: «Настройки → API»; для методов calls-service',
  },
  {
    id: 'accessToken',
    label: 'Ключ Access-Token',
    labelEn: 'Access-Token key',
    type: 'string',
    secret: true,
    description: 'Ключ для методов lead-service (создание и изменение сделок); если пусто — используется токен API',
  },
  {
    id: 'nodeHost',
    label: 'Узел API',
    labelEn: 'API node',
    type: 'string',
    destination: true,
    description: 'Номер узла (5), хост (api-node5.calltouch.ru) или полный адрес API; если пусто — определяется автоматически через getnodeid',
  },
  {
    id: 'timeZone',
    label: 'Часовой пояс аккаунта',
    labelEn: 'Account time zone',
    type: 'string',
    default: 'Europe/Moscow',
    description: 'Название из базы IANA (Europe/Moscow, Asia/Yekaterinburg…): в нём Calltouch принимает и отдаёт даты сделок; по умолчанию — Москва',
  },
];

/** Every query parameter of GET /calls-service/RestAPI/{site_id}/orders-diary/orders, as the seed lists them. */
export const ORDER_SOURCES = ['CALL', 'REQUEST', 'CHAT'] as const;

export const exportParams: FieldDef[] = [
  { id: 'clientApiId', label: 'Токен доступа к статистике Вашего ЛК через API', type: 'string', secret: true, required: true },
  { id: 'dateFrom', label: 'Начальная дата создания сделок', labelEn: 'Deals created from', type: 'string', description: 'Формат dd/mm/yyyy; должна быть меньше dateTo' },
  { id: 'dateTo', label: 'Конечная дата создания сделок', labelEn: 'Deals created to', type: 'string', description: 'Формат dd/mm/yyyy' },
  { id: 'timeFrom', label: 'Время начала периода выгрузки', labelEn: 'Period start time', type: 'string', description: 'Формат hh:mm:ss' },
  { id: 'timeTo', label: 'Время конца периода выгрузки', labelEn: 'Period end time', type: 'string', description: 'Формат hh:mm:ss' },
  { id: 'page', label: 'Номер страницы', labelEn: 'Page', type: 'number', description: 'Обязателен, если диапазон между dateFrom и dateTo более 1 дня' },
  { id: 'limit', label: 'Сделок на странице', labelEn: 'Deals per page', type: 'number', default: 1000, description: 'Не более 1000' },
  {
    id: 'orderSource',
    label: 'Источник сделок',
    labelEn: 'Deal source',
    type: 'string',
    description: 'По умолчанию выгружаются сделки, созданные и по звонкам, и по заявкам',
    options: [
      { value: 'CALL', label: 'Звонки' },
      { value: 'REQUEST', label: 'Заявки' },
      { value: 'CHAT', label: 'Чаты' },
    ],
  },
  { id: 'phoneNumber.value', label: 'Номер телефона клиента', labelEn: 'Client phone', type: 'string', description: 'Вместо dateFrom/dateTo/timeFrom/timeTo' },
  { id: 'orderNumber', label: 'ID сделки', labelEn: 'Deal id', type: 'string', description: 'Вместо dateFrom/dateTo/timeFrom/timeTo' },
  {
    id: 'bindTo',
    label: 'Привязка сделок к метрикам',
    labelEn: 'Bind deals to',
    type: 'string',
    // The seed lost the list of values (and the export by session / creation / update date).
    description: 'Передаётся в Calltouch как есть: список значений на странице документации утерян (в т. ч. выгрузка по дате сессии / создания / обновления). Песочница этот параметр игнорирует',
  },
  { id: 'manager', label: 'Менеджер', labelEn: 'Manager', type: 'string' },
  { id: 'service', label: 'Название сервиса', labelEn: 'Service', type: 'string', description: 'Например retailCRM' },
  { id: 'withOrdersTags', label: 'Выгружать теги сделки', labelEn: 'With tags', type: 'boolean', default: false },
  { id: 'withAllOrderOrigins', label: 'Сделки, созданные любыми методами', labelEn: 'All deal origins', type: 'boolean', default: false },
  {
    id: 'withComments',
    label: 'Выгружать комментарии к сделке',
    labelEn: 'With comments',
    type: 'boolean',
    description: 'true — сделки, у которых есть комментарий; false — сделки без комментария; пусто — все сделки (два запроса)',
  },
];

/** The export action's inputs: the seed's parameters except the token (from the connection) and page (the client pages itself). */
export const exportInput: FieldDef[] = [
  ...exportParams.filter((f) => f.id !== 'clientApiId' && f.id !== 'page'),
  { id: 'maxRecords', label: 'Не более сделок в ответе шага', labelEn: 'Max records in step output', type: 'number', default: 10000 },
];

/** Response envelope of a paged answer. */
export const envelopeFields: FieldDef[] = [
  { id: 'page', label: 'Номер текущей страницы выгрузки', type: 'number' },
  { id: 'pageTotal', label: 'Всего страниц выгрузки', type: 'number' },
  { id: 'pageSize', label: 'Размер страницы выгрузки', type: 'number' },
  { id: 'recordsTotal', label: 'Всего сделок на всех страницах выгрузки', type: 'number' },
  { id: 'records', label: 'Сделки', type: 'array' },
];

/** One deal of the journal, dotted ids as in the seed (products and tags are arrays). */
export const recordFields: FieldDef[] = [
  { id: 'client.phones', label: 'Телефон клиента', type: 'string' },
  { id: 'client.fio', label: 'ФИО клиента', type: 'string' },
  { id: 'client.emails', label: 'Email клиента', type: 'string' },
  { id: 'completedAmount', label: 'Сумма завершённой сделки', type: 'number' },
  { id: 'completedDate', label: 'Дата завершения сделки', type: 'string' },
  { id: 'createdDate', label: 'Дата создания сделки', type: 'string' },
  { id: 'isDeleted', label: 'Сделка удалена', type: 'boolean' },
  { id: 'manager', label: 'Менеджер, отвечающий за сделку', type: 'string' },
  { id: 'orderDate', label: 'Дата создания сделки (orderDate)', type: 'string' },
  { id: 'statusDate', label: 'Дата, когда сделка получила текущий статус', type: 'string' },
  { id: 'updatedDate', label: 'Дата обновления сделки', type: 'string' },
  { id: 'comment', label: 'Комментарий к сделке', type: 'string' },
  { id: 'orderNumber', label: 'Уникальный идентификатор сделки', type: 'string' },
  { id: 'orderLink', label: 'Ссылка на сделку в CRM', type: 'string' },
  { id: 'orderName', label: 'Название сделки в CRM', type: 'string' },
  { id: 'orderOrigin', label: 'Каким методом была создана сделка', type: 'string' },
  { id: 'orderSource.type', label: 'Тип источника (CALL / REQUEST)', type: 'string' },
  { id: 'orderSource.callId', label: 'ID звонка', type: 'number' },
  { id: 'orderSource.duration', label: 'Длительность звонка', type: 'number' },
  { id: 'orderSource.phoneNumber', label: 'Номер, на который звонили', type: 'string' },
  { id: 'orderSource.ani', label: 'Номер звонящего', type: 'string' },
  { id: 'orderSource.dateCall', label: 'Дата звонка', type: 'string' },
  { id: 'orderSource.requestNumber', label: 'Номер заявки', type: 'string' },
  { id: 'funnel', label: 'Воронка сделки', type: 'string' },
  { id: 'orderStatus', label: 'Статус сделки', type: 'string' },
  { id: 'currency', label: 'Валюта сделки', type: 'string' },
  { id: 'currencyCode', label: 'Код валюты сделки', type: 'string' },
  { id: 'plannedAmount', label: 'Бюджет сделки', type: 'number' },
  { id: 'margin', label: 'Маржинальность сделки', type: 'number' },
  { id: 'service', label: 'Название сервиса, использующего наше API', type: 'string' },
  { id: 'tags', label: 'Теги сделки', type: 'array' },
  { id: 'visit.utmSource', label: 'utm_source', type: 'string' },
  { id: 'visit.utmMedium', label: 'utm_medium', type: 'string' },
  { id: 'visit.utmCampaign', label: 'utm_campaign', type: 'string' },
  { id: 'visit.utmContent', label: 'utm_content', type: 'string' },
  { id: 'visit.utmTerm', label: 'utm_term', type: 'string' },
  { id: 'visit.visitDate', label: 'Дата визита', type: 'string' },
  { id: 'visit.source', label: 'Источник', type: 'string' },
  { id: 'visit.medium', label: 'Канал', type: 'string' },
  { id: 'visit.keyword', label: 'Ключевое слово', type: 'string' },
  { id: 'custom', label: 'Значения пользовательских полей', type: 'object' },
  { id: 'products', label: 'Товары', type: 'array' },
  { id: 'products.0.name', label: 'Наименование товара', type: 'string' },
  { id: 'products.0.brand', label: 'Бренд, торговая марка товара', type: 'string' },
  { id: 'products.0.category', label: 'Категория товара', type: 'string' },
  { id: 'products.0.variant', label: 'Разновидность товара', type: 'string' },
  { id: 'products.0.price', label: 'Цена за единицу товара', type: 'number' },
  { id: 'products.0.quantity', label: 'Количество товаров', type: 'number' },
  { id: 'products.0.revenue', label: 'Выручка по товару', type: 'number' },
  { id: 'products.0.externalId', label: 'Внешний ID товара', type: 'string' },
  { id: 'products.0.margin', label: 'Маржа по товару', type: 'number' },
];

/** Flat columns for CSV: scalar record fields (arrays/objects as JSON in one column). */
export const csvColumns: string[] = recordFields.filter((f) => !f.id.startsWith('products.0.')).map((f) => f.id);

export const exportOutput: FieldDef[] = [
  { id: 'records', label: 'Сделки', type: 'array' },
  { id: 'recordsTotal', label: 'Всего сделок', type: 'number' },
  { id: 'truncated', label: 'Ответ обрезан до maxRecords', type: 'boolean' },
];

export const findInput: FieldDef[] = [
  { id: 'orderNumber', label: 'ID сделки', labelEn: 'Deal id', type: 'string' },
  { id: 'phoneNumber.value', label: 'Номер телефона клиента', labelEn: 'Client phone', type: 'string' },
  { id: 'withOrdersTags', label: 'Выгружать теги сделки', type: 'boolean', default: true },
  {
    id: 'withComments',
    label: 'Выгружать комментарии к сделке',
    type: 'boolean',
    description: 'true — искать среди сделок с комментарием; false — среди сделок без комментария; пусто — среди всех',
  },
  { id: 'withAllOrderOrigins', label: 'Сделки, созданные любыми методами', type: 'boolean', default: true },
];

export const MATCHING_TYPES = ['call', 'request', 'chat', 'leadContact', 'requestContact', 'callContact', 'chatContact'] as const;

const orderCommon: FieldDef[] = [
  { id: 'status', label: 'Статус сделки', labelEn: 'Status', type: 'string' },
  { id: 'statusDate', label: 'Дата статуса', labelEn: 'Status date', type: 'string', description: 'dd-mm-yyyy hh:mm:ss; по умолчанию — сейчас' },
  { id: 'revenue', label: 'Выручка (бюджет) сделки', labelEn: 'Revenue', type: 'number' },
  { id: 'margin', label: 'Маржинальность сделки', labelEn: 'Margin', type: 'number' },
  { id: 'manager', label: 'Менеджер', labelEn: 'Manager', type: 'string' },
  { id: 'funnel', label: 'Воронка сделки', labelEn: 'Funnel', type: 'string' },
  { id: 'currency', label: 'Валюта', labelEn: 'Currency', type: 'string' },
  { id: 'orderName', label: 'Название сделки в CRM', type: 'string' },
  { id: 'orderLink', label: 'Ссылка на сделку в CRM', type: 'string' },
  { id: 'comment', label: 'Комментарий', labelEn: 'Comment', type: 'string' },
  { id: 'tags', label: 'Теги (через запятую или массив)', labelEn: 'Tags', type: 'array' },
  { id: 'customFields', label: 'Пользовательские поля {"поле": "значение"}', labelEn: 'Custom fields', type: 'json' },
  { id: 'products', label: 'Товары [{name, price, brand, category, variant, quantity}]', labelEn: 'Products', type: 'array' },
];

export const orderCreateInput: FieldDef[] = [
  { id: 'orderNumber', label: 'ID сделки в CRM', labelEn: 'Order number', type: 'string', description: 'Ключ идемпотентности; если пусто — ключ шага' },
  {
    id: 'matchingType',
    label: 'Привязка сделки',
    labelEn: 'Bind to',
    type: 'string',
    description: 'Если не задано: call при callId, request при requestId, chat при chatId, иначе callContact',
    options: [
      { value: 'call', label: 'К звонку (callId)' },
      { value: 'request', label: 'К заявке (requestId)' },
      { value: 'chat', label: 'К чату (chatId)' },
      { value: 'leadContact', label: 'К обращению по контакту' },
      { value: 'callContact', label: 'К звонку по телефону' },
      { value: 'requestContact', label: 'К заявке по телефону/email' },
      { value: 'chatContact', label: 'К чату по контакту' },
    ],
  },
  { id: 'callId', label: 'ID звонка', type: 'number' },
  { id: 'requestId', label: 'ID заявки', type: 'string' },
  { id: 'chatId', label: 'ID чата', type: 'string' },
  { id: 'phones', label: 'Телефоны клиента', type: 'array' },
  { id: 'emails', label: 'Email клиента', type: 'array' },
  { id: 'matchingDate', label: 'Дата для поиска обращения', type: 'string', description: 'dd-mm-yyyy hh:mm:ss' },
  { id: 'searchDepth', label: 'Глубина поиска, минут', type: 'number' },
  { id: 'matchingMode', label: 'Режим поиска', type: 'string', options: [{ value: 'nearest', label: 'Ближайшее' }, { value: 'nearestUniq', label: 'Ближайшее уникальное' }] },
  { id: 'orderDate', label: 'Дата создания сделки', type: 'string', description: 'dd-mm-yyyy hh:mm:ss; по умолчанию — сейчас' },
  { id: 'crm', label: 'Название CRM (service)', type: 'string', default: 'svyazka' },
  ...orderCommon,
];

export const orderUpdateInput: FieldDef[] = [
  { id: 'orderNumber', label: 'ID сделки в CRM', labelEn: 'Order number', type: 'string', required: true },
  { id: 'overwriteTags', label: 'Заменить теги', type: 'boolean', default: false },
  ...orderCommon,
];

export const orderWriteOutput: FieldDef[] = [
  { id: 'orderNumber', label: 'ID сделки в CRM', type: 'string' },
  { id: 'calltouchOrderId', label: 'ID сделки в Calltouch', type: 'number' },
];

/** Deals by comment: the seed's withComments selects one kind, so every deal takes both kinds. */
export const COMMENTS_OPTION = field.string('comments', 'Сделки по комментарию', {
  labelEn: 'Deals by comment',
  default: 'all',
  description: 'all — все сделки (два запроса: withComments=true и false); with — только с комментарием; without — только без комментария',
  options: [
    { value: 'all', label: 'Все сделки' },
    { value: 'with', label: 'Только с комментарием' },
    { value: 'without', label: 'Только без комментария' },
  ],
});

/** The `order.new` trigger's options (the kit adds the poll interval). */
export const newOrderOptions = [
  field.number('lookbackDays', 'Глубина просмотра журнала, дней', { labelEn: 'Lookback, days', default: 7, min: 1, max: 90 }),
  field.boolean('withAllOrderOrigins', 'Сделки, созданные любыми методами', { labelEn: 'Deals created by any method', default: true }),
  field.boolean('emitChanged', 'Также изменённые сделки (updatedDate)', { labelEn: 'Changed deals too (updatedDate)', default: true }),
  COMMENTS_OPTION,
] as const;
