// The HTTP server: /hooks (intake), /api/v1 (REST + OpenAPI), health and metrics, the web UI at /.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { Logger } from 'pino';
import { lazyChild } from '../lib/lazy-child-logger.ts';
import type { Services } from '../services.ts';
import { ConnectionError } from '../engine/connections.ts';
import { RunError } from '../engine/runs.ts';
import { FlowValidationError } from '../engine/validate-flow.ts';
import { hooksRoutes } from '../intake/hooks-route.ts';
import { AuthError } from './auth.ts';
import { sendInternalError } from './internal-error.ts';
import { registerSecurityHeaders, securityHeaders } from './security-headers.ts';
import { ApiError, ApiRouter, type Registered } from './router.ts';
import { registerRoutes } from './routes/index.ts';
import { registerWebUi } from './web-ui.ts';

export const API_PREFIX = '/api/v1';

declare module 'fastify' {
  interface FastifyInstance {
    /** The declared /api/v1 routes (the security suite walks them all). */
    apiRoutes(): Registered[];
  }
}

export async function buildServer(s: Services): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: s.logger.child({ part: 'http' }) as FastifyBaseLogger,
    // Per-request log lines would cost more than the intake itself; errors are logged by handlers.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 4 * 1024 * 1024,
    trustProxy: s.config.trustProxy,
    keepAliveTimeout: 65_000,
    // Ours, not the client's: the id in an error answer must match our log line.
    genReqId: () => randomUUID(),
    // Each request's logger (its id bound) is made when something is logged, which few requests do.
    childLoggerFactory: (logger, bindings, opts) =>
      opts.level || opts.serializers ? logger.child(bindings, opts) : (lazyChild(logger as Logger, bindings) as FastifyBaseLogger),
    // A path that is not valid percent-encoding is refused before routing (no hooks run there).
    frameworkErrors: (error, req, reply) => {
      const answer = reply as unknown as FastifyReply;
      answer.headers(securityHeaders({ publicUrl: s.config.publicUrl })).header('x-request-id', req.id);
      if (error.statusCode && error.statusCode >= 500) return sendInternalError(error, req, answer);
      return answer.code(error.statusCode ?? 400).send({ error: 'bad_request', message: error.message });
    },
  });
  registerSecurityHeaders(app, { publicUrl: s.config.publicUrl });
  // Routes outside /api and /hooks (web UI, health, metrics, 404s) answer errors the same way.
  app.setErrorHandler((error: FastifyError, req, reply) => {
    const answer = toApiAnswer(error);
    if (answer.status >= 500) return sendInternalError(error, req, reply);
    return reply.code(answer.status).send(answer.body);
  });

  await app.register(async (hooks) => hooksRoutes(hooks, {
    store: s.store,
    targets: s.targets,
    queue: s.queue,
    metrics: s.metrics,
    logger: s.logger,
    maxBytes: s.config.webhookMaxBytes,
    plans: s.plans,
    signals: s.webhookSignals,
    secretNames: s.config.redactPattern,
  }));

  await app.register(async (api) => {
    api.setErrorHandler((error: FastifyError, req, reply) => {
      const answer = toApiAnswer(error);
      if (answer.status >= 500) return sendInternalError(error, req, reply, 'API request failed');
      return reply.code(answer.status).send(answer.body);
    });
    const router = new ApiRouter(api, s.store, API_PREFIX);
    registerRoutes(router, s);
    app.decorate('apiRoutes', () => router.list());
    api.get(`${API_PREFIX}/openapi.json`, async () => router.openapi({ title: 'Svyazka API', version: '1' }));
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (req, reply) => {
    const full = s.store.storage.problem();
    if (full) return reply.code(503).send({ ok: false, error: 'storage_full', message: full.message, since: new Date(full.since).toISOString() });
    try {
      await s.store.getWorkspace(s.defaultWorkspace.id);
      return { ok: true };
    } catch (error) {
      req.log.error({ err: error }, 'not ready: the store does not answer');
      return reply.code(503).send({ ok: false, error: 'not_ready', message: 'The store does not answer', requestId: req.id });
    }
  });
  // Instance-wide (every workspace): the operator's view, behind SVYAZKA_METRICS_TOKEN when set.
  app.get('/metrics', async (req, reply) => {
    if (s.config.metricsToken && !bearerMatches(req, s.config.metricsToken)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return reply.code(401).send({ error: 'unauthorized', message: 'Send "Authorization: Bearer <SVYAZKA_METRICS_TOKEN>"' });
    }
    reply.header('content-type', s.metrics.registry.contentType);
    return s.metrics.registry.metrics();
  });
  await registerWebUi(app);
  return app;
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function bearerMatches(req: FastifyRequest, token: string): boolean {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(header.slice(7).trim()), digest(token));
}

function toApiAnswer(error: Error & { statusCode?: number; code?: string }): { status: number; body: Record<string, unknown> } {
  if (error instanceof FlowValidationError) return { status: 422, body: { error: 'invalid_flow', message: error.message, issues: error.issues } };
  if (error instanceof ApiError) return { status: error.statusCode, body: { error: codeOf(error.statusCode), message: error.message, ...(error.details ? { issues: error.details } : {}) } };
  if (error instanceof AuthError || error instanceof RunError) return { status: error.statusCode, body: { error: codeOf(error.statusCode), message: error.message } };
  if (error instanceof ConnectionError) return { status: 400, body: { error: 'invalid_connection', message: error.message, field: error.field } };
  if (error instanceof ZodError) return { status: 400, body: { error: 'bad_request', message: error.message } };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: { error: codeOf(error.statusCode), message: error.message } };
  }
  return { status: 500, body: {} };
}

function codeOf(status: number): string {
  return { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 422: 'invalid', 429: 'too_many_requests' }[status] ?? 'error';
}
