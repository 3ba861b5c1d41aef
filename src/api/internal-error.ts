// The one way an unexpected error reaches a client: 500 with a request id and no detail, while the
// log line (error and stack) carries the same id, so an operator finds it from a user's report.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface InternalErrorBody {
  error: 'internal_error';
  message: string;
  requestId: string;
}

export function internalErrorBody(req: FastifyRequest): InternalErrorBody {
  return { error: 'internal_error', message: 'Internal error', requestId: req.id };
}

/** Logs the error under the request's id (req.log binds `reqId`) and answers 500 without detail. */
export function sendInternalError(error: unknown, req: FastifyRequest, reply: FastifyReply, what = 'request failed'): FastifyReply {
  req.log.error({ err: error, method: req.method, route: req.routeOptions.url ?? null }, what);
  return reply.code(500).send(internalErrorBody(req));
}
