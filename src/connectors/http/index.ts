// `http`: any HTTP request out, with an optional per-connection base URL and auth header.
// Layout like an Activepieces piece: this definition, actions/, fields.ts (catalogs).
import { PermanentError, TransientError } from '../../connector-kit/errors.ts';
import type { ConnectorDefinition } from '../../connector-kit/types.ts';
import { requestAction } from './actions/request.ts';
import { authFields } from './fields.ts';

export const httpConnector: ConnectorDefinition = {
  key: 'http',
  label: { ru: 'HTTP-запрос', en: 'HTTP request' },
  description: 'Вызов любого HTTP API: метод, адрес, заголовки, тело; JSON-ответ доступен следующим шагам.',
  auth: {
    fields: authFields,
    /**
     * With a base URL: one GET to it; any HTTP answer below 500 except 401/403 proves it works.
     * An auth header needs a base URL: the secret is sent to that origin only.
     */
    async test(ctx) {
      const { baseUrl, headerName, headerValue } = ctx.auth as Record<string, unknown>;
      if (typeof baseUrl !== 'string' || !baseUrl.trim()) {
        if (typeof headerValue === 'string' && headerValue) {
          throw new PermanentError('Заголовок авторизации отправляется только на адрес базового URL, а он не указан: укажите базовый URL подключения');
        }
        return;
      }
      const base = baseUrl.trim();
      let parsed: URL;
      try {
        parsed = new URL(base);
      } catch {
        throw new PermanentError(`Базовый URL «${base}» некорректен: укажите полный адрес вида https://api.example.ru/v1`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new PermanentError(`Базовый URL должен начинаться с http:// или https://, а не с ${parsed.protocol}//`);
      }
      const where = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
      const headers: Record<string, string> = {};
      if (typeof headerName === 'string' && headerName.trim() && typeof headerValue === 'string' && headerValue) headers[headerName.trim()] = headerValue;
      let status: number;
      try {
        status = (await ctx.http.request({ method: 'GET', url: base, headers, timeoutMs: 10_000 })).status;
      } catch (error) {
        // The outbound guard's refusal is already the whole story (and must not vary with the port).
        if ((error as { code?: unknown }).code === 'SVYAZKA_OUTBOUND_BLOCKED') throw error;
        const reason = error instanceof TransientError ? error.message : `запрос не отправлен: ${(error as Error).message}`;
        throw new PermanentError(`Сервер ${where} недоступен (${reason})`);
      }
      if (status === 401 || status === 403) throw new PermanentError(`Сервер ${where} отказал в доступе (HTTP ${status}): проверьте заголовок авторизации`);
      if (status >= 500) throw new PermanentError(`Сервер ${where} ответил ошибкой HTTP ${status}`);
    },
  },
  triggers: [],
  actions: [requestAction],
};
