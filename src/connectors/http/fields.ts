import type { FieldDef } from '../types.ts';

export const authFields: FieldDef[] = [
  { id: 'baseUrl', label: 'Базовый URL', labelEn: 'Base URL', type: 'string', description: 'Prefix for relative URLs, e.g. https://api.example.ru/v1' },
  { id: 'headerName', label: 'Заголовок авторизации', labelEn: 'Auth header name', type: 'string', description: 'e.g. Authorization' },
  { id: 'headerValue', label: 'Значение заголовка', labelEn: 'Auth header value', type: 'string', secret: true, description: 'e.g. Bearer …' },
];

export const requestInput: FieldDef[] = [
  { id: 'method', label: 'Метод', labelEn: 'Method', type: 'string', default: 'GET', options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ value: m, label: m })) },
  { id: 'url', label: 'URL', labelEn: 'URL', type: 'string', required: true, description: 'Absolute, or relative to the connection base URL' },
  { id: 'headers', label: 'Заголовки', labelEn: 'Headers', type: 'object' },
  { id: 'query', label: 'Параметры запроса', labelEn: 'Query parameters', type: 'object' },
  { id: 'bodyType', label: 'Тип тела', labelEn: 'Body type', type: 'string', options: ['json', 'form', 'raw', 'none'].map((m) => ({ value: m, label: m })) },
  { id: 'body', label: 'Тело запроса', labelEn: 'Body', type: 'json' },
  { id: 'timeoutMs', label: 'Таймаут, мс', labelEn: 'Timeout, ms', type: 'number', default: 30000 },
  { id: 'idempotencyHeader', label: 'Заголовок ключа идемпотентности', labelEn: 'Idempotency header', type: 'string', default: 'Idempotency-Key' },
  { id: 'failOnStatus', label: 'Ошибка при статусе 4xx/5xx', labelEn: 'Fail on 4xx/5xx', type: 'boolean', default: true },
];

export const requestOutput: FieldDef[] = [
  { id: 'status', label: 'HTTP-статус', labelEn: 'HTTP status', type: 'number' },
  { id: 'headers', label: 'Заголовки ответа', labelEn: 'Response headers', type: 'object' },
  { id: 'body', label: 'Тело ответа', labelEn: 'Response body', type: 'json' },
  { id: 'data', label: 'Поля ответа (JSON)', labelEn: 'Response fields (JSON)', type: 'object' },
];
