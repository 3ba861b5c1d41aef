// Catalogs of the `http` connector: auth fields, the request action's input and output.
import type { FieldDef } from '../../connector-kit/types.ts';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const BODY_TYPES = ['json', 'form', 'raw', 'none'] as const;

export const authFields: FieldDef[] = [
  { id: 'baseUrl', label: 'Базовый URL', labelEn: 'Base URL', type: 'string', destination: true, description: 'Префикс для относительных адресов, например https://api.example.ru/v1; заголовок авторизации отправляется только на этот адрес (схема, хост и порт)' },
  { id: 'headerName', label: 'Заголовок авторизации', labelEn: 'Auth header name', type: 'string', description: 'Например Authorization или X-Api-Key' },
  { id: 'headerValue', label: 'Значение заголовка', labelEn: 'Auth header value', type: 'string', secret: true, description: 'Например Bearer …; хранится зашифрованным' },
];

export const requestInput: FieldDef[] = [
  { id: 'method', label: 'Метод', labelEn: 'Method', type: 'string', default: 'GET', options: METHODS.map((m) => ({ value: m, label: m })) },
  { id: 'url', label: 'URL', labelEn: 'URL', type: 'string', required: true, description: 'Полный адрес http(s)://… или путь относительно базового URL подключения' },
  { id: 'headers', label: 'Заголовки', labelEn: 'Headers', type: 'object' },
  { id: 'query', label: 'Параметры запроса', labelEn: 'Query parameters', type: 'object' },
  {
    id: 'bodyType',
    label: 'Тип тела',
    labelEn: 'Body type',
    type: 'string',
    description: 'По умолчанию json (текст, который не является JSON, отправляется как raw)',
    options: [
      { value: 'json', label: 'JSON' },
      { value: 'form', label: 'Форма (x-www-form-urlencoded)' },
      { value: 'raw', label: 'Как есть (текст)' },
      { value: 'none', label: 'Без тела' },
    ],
  },
  // No type: the body stays exactly as written; bodyType decides how it is sent.
  { id: 'body', label: 'Тело запроса', labelEn: 'Body' },
  { id: 'timeoutMs', label: 'Таймаут, мс', labelEn: 'Timeout, ms', type: 'number', default: 30000 },
  {
    id: 'idempotencyHeader',
    label: 'Заголовок ключа идемпотентности',
    labelEn: 'Idempotency header',
    type: 'string',
    default: 'Idempotency-Key',
    description: 'Получает ключ, постоянный для повторов шага. По умолчанию Idempotency-Key для POST/PUT/PATCH; пустое значение — не отправлять',
  },
  { id: 'failOnStatus', label: 'Ошибка при статусе 4xx/5xx', labelEn: 'Fail on 4xx/5xx', type: 'boolean', default: true },
];

export const requestOutput: FieldDef[] = [
  { id: 'status', label: 'HTTP-статус', labelEn: 'HTTP status', type: 'number' },
  { id: 'headers', label: 'Заголовки ответа', labelEn: 'Response headers', type: 'object' },
  { id: 'body', label: 'Тело ответа', labelEn: 'Response body', type: 'json' },
  { id: 'data', label: 'Поля ответа (JSON)', labelEn: 'Response fields (JSON)', type: 'object' },
];
