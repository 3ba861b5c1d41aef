// What a worker process (SVYAZKA_ROLE=worker) serves: health, readiness and metrics, nothing a
// user or a webhook sender could reach it for — the API, the UI and /hooks live in web processes.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';

export async function buildHealthServer(s: Services): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: s.logger.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/healthz', async () => ({ ok: true, role: s.config.role }));
  app.get('/readyz', async (req, reply) => {
    const full = s.store.storage.problem();
    if (full) return reply.code(503).send({ ok: false, error: 'storage_full', message: full.message, since: new Date(full.since).toISOString() });
    try {
      await s.store.getWorkspace(s.defaultWorkspace.id);
      return { ok: true };
    } catch (error) {
      req.log.error({ err: error }, 'not ready: the store does not answer');
      return reply.code(503).send({ ok: false, error: 'not_ready', message: 'The store does not answer' });
    }
  });
  app.get('/metrics', async (req, reply) => {
    if (s.config.metricsToken && !bearerMatches(req, s.config.metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return reply.code(401).send({ error: 'unauthorized', message: 'Send "Authorization: Bearer <SVYAZKA_METRICS_TOKEN>"' });
    }
    reply.header('content-type', s.metrics.registry.contentType);
    return s.metrics.registry.metrics();
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'Рабочий процесс отдаёт только /healthz, /readyz и /metrics / a worker process serves only /healthz, /readyz and /metrics' }),
  );
  return app;
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function bearerMatches(req: FastifyRequest, token: string): boolean {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(header.slice(7).trim()), digest(token));
}
