// `http`: any HTTP request out, with an optional per-connection base URL and auth header.
import { PermanentError } from '../errors.ts';
import type { ConnectorDefinition } from '../types.ts';
import { requestAction } from './actions/request.ts';
import { authFields } from './fields.ts';

export const httpConnector: ConnectorDefinition = {
  key: 'http',
  label: { ru: 'HTTP-запрос', en: 'HTTP request' },
  description: 'Calls any HTTP API.',
  auth: {
    fields: authFields,
    async test(ctx) {
      const baseUrl = ctx.auth.baseUrl;
      if (typeof baseUrl !== 'string' || !baseUrl) return;
      const headers: Record<string, string> = {};
      if (typeof ctx.auth.headerName === 'string' && typeof ctx.auth.headerValue === 'string') headers[ctx.auth.headerName] = ctx.auth.headerValue;
      let status: number;
      try {
        status = (await ctx.http.request({ method: 'GET', url: baseUrl, headers, timeoutMs: 10_000 })).status;
      } catch (error) {
        throw new PermanentError(`Сервер ${baseUrl} недоступен: ${(error as Error).message}`);
      }
      if (status >= 500) throw new PermanentError(`Сервер ${baseUrl} ответил ошибкой ${status}`);
      if (status === 401 || status === 403) throw new PermanentError(`Сервер ${baseUrl} отказал в доступе (${status}): проверьте заголовок авторизации`);
    },
  },
  triggers: [],
  actions: [requestAction],
};
