// Declares API routes once: zod schemas validate params, query and body, the role check scopes
// the request to a workspace, and the same declarations produce /api/v1/openapi.json.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditTarget, Principal, Role, Store } from '../store/types.ts';
import { principalActor, recordAudit } from '../engine/audit.ts';
import { AuthError, resolvePrincipal, workspaceFor } from './auth.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext<P, Q, B> {
  req: FastifyRequest;
  reply: FastifyReply;
  params: P;
  query: Q;
  body: B;
  /** null only for routes with `role: null` (public). */
  principal: Principal;
  workspaceId: string;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  /**
   * Minimum role in the workspace; 'authenticated' needs a principal but no workspace; null is public.
   * 'operator' needs the instance operator, who may name ANY workspace in X-Workspace (member or
   * not); with `instance: true` it needs no workspace at all.
   */
  role: Role | 'operator' | 'authenticated' | null;
  /** Only with role 'operator': the route acts on the instance, not on one workspace. */
  instance?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Status code of a success answer (documentation). */
  status?: number;
  /** What a successful call changed, for the audit log; `{ exempt }` says why a mutating route records nothing. */
  audit?: RouteAudit<z.infer<P>, z.infer<B>> | AuditExempt;
  handler(ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<unknown>;
}

/** The thing a route acts on, as found before the handler runs (a deleted flow's name). */
export type AuditSnapshot = Record<string, any>;

export interface AuditContext<P, B> {
  params: P;
  body: B;
  /** The handler's answer (loosely typed: read fields with care). */
  result: Record<string, any>;
  before: AuditSnapshot | undefined;
  workspaceId: string;
  principal: Principal;
}

/**
 * The audit entry a successful call appends. `target` is its type, with id and name taken from
 * the answer, else the snapshot, else `params.id` / `body.name`; or a function for anything else.
 */
export interface RouteAudit<P, B> {
  action: string | ((c: AuditContext<P, B>) => string | null);
  target: string | ((c: AuditContext<P, B>) => Partial<AuditTarget> & { type: string });
  before?: (c: { params: P; body: B; workspaceId: string }) => Promise<object | undefined | null>;
  /** Small and secret-free (a secret-looking key is dropped anyway). */
  details?: (c: AuditContext<P, B>) => Record<string, unknown>;
  /** The workspace the entry belongs to when not the request's one; null for instance-level events. */
  workspace?: (c: AuditContext<P, B>) => string | null;
}

export interface AuditExempt {
  exempt: string;
}

/** An error that becomes an API answer with this status and message. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly details: unknown;
  constructor(statusCode: number, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.details = details;
  }
}

export const notFound = (what: string) => new ApiError(404, `${what} not found`);

/** A declared route as the router keeps it (`url` has the API prefix): for docs and the security suite. */
export interface Registered {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  role: RouteSpec<z.ZodType, z.ZodType, z.ZodType>['role'];
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  status: number;
  audit?: RouteAudit<any, any> | AuditExempt;
}

export class ApiRouter {
  private readonly routes: Registered[] = [];
  private readonly app: FastifyInstance;
  private readonly store: Store;
  private readonly prefix: string;

  constructor(app: FastifyInstance, store: Store, prefix: string) {
    this.app = app;
    this.store = store;
    this.prefix = prefix;
  }

  add<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown>(spec: RouteSpec<P, Q, B>): void {
    this.routes.push({ ...spec, status: spec.status ?? 200 });
    const store = this.store;
    this.app.route({
      method: spec.method,
      url: this.prefix + spec.url,
      handler: async (req, reply) => {
        let principal: Principal = { userId: null, tokenId: null, roles: new Map(), operator: false };
        let workspaceId = '';
        if (spec.role !== null) {
          const found = await resolvePrincipal(req, store);
          if (!found) throw new AuthError('Sign in or send "Authorization: Bearer <token>"', 401);
          principal = found;
          if (spec.role === 'operator' && spec.instance) {
            if (!principal.operator) throw new AuthError('Only an operator of this Svyazka instance may do this', 403);
          } else if (spec.role !== 'authenticated') workspaceId = await workspaceFor(req, principal, store, spec.role);
        }
        const params = parse(spec.params, req.params, 'path');
        const query = parse(spec.query, req.query, 'query');
        const body = parse(spec.body, req.body, 'body');
        const audit = spec.audit && !('exempt' in spec.audit) ? spec.audit : undefined;
        const before = audit?.before ? ((await audit.before({ params, body, workspaceId } as never)) ?? undefined) as AuditSnapshot | undefined : undefined;
        const result = await spec.handler({ req, reply, params, query, body, principal, workspaceId } as RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>);
        if (audit && !(reply.sent && reply.statusCode >= 400)) {
          await appendAudit(store, audit, { params, body, result, before, workspaceId, principal } as AuditContext<unknown, unknown>, req);
        }
        if (reply.sent) return reply;
        reply.code(spec.status ?? 200);
        return result ?? { ok: true };
      },
    });
  }

  /** Every route declared so far, in declaration order, with the prefixed URL. */
  list(): Registered[] {
    return this.routes.map((r) => ({ ...r, url: this.prefix + r.url }));
  }

  openapi(info: { title: string; version: string }): object {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const path = (this.prefix + r.url).replace(/:(\w+)/g, '{$1}');
      const parameters: unknown[] = [];
      for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
        if (!schema || !(schema instanceof z.ZodObject)) continue;
        for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
          parameters.push({ name, in: where, required: where === 'path' || !field.safeParse(undefined).success, schema: jsonSchema(field) });
        }
      }
      const op: Record<string, unknown> = {
        summary: r.summary,
        tags: [r.tag],
        parameters,
        responses: { [String(r.status)]: { description: 'Success' }, '400': { description: 'Invalid input' }, '401': { description: 'Not signed in' }, '404': { description: 'Not found (also for resources of other workspaces)' } },
      };
      if (r.role === null) op.security = [];
      if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
      (paths[path] ??= {})[r.method.toLowerCase()] = op;
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token from `svyazka token create`' },
          session: { type: 'apiKey', in: 'cookie', name: 'svyazka_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
      paths,
    };
  }
}

async function appendAudit(store: Store, audit: RouteAudit<any, any>, c: AuditContext<any, any>, req: FastifyRequest): Promise<void> {
  try {
    const action = typeof audit.action === 'function' ? audit.action(c) : audit.action;
    if (!action) return;
    const result = c.result && typeof c.result === 'object' ? c.result : {};
    c = { ...c, result };
    const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
    const target = typeof audit.target === 'function'
      ? audit.target(c)
      : {
        type: audit.target,
        id: str(result.id) ?? str(c.before?.id) ?? str(c.params?.id),
        name: str(result.name) ?? str(c.before?.name) ?? str(c.body?.name),
      };
    await recordAudit(store, {
      workspaceId: audit.workspace ? audit.workspace(c) : c.workspaceId || null,
      actor: await principalActor(store, c.principal),
      action,
      target,
      details: audit.details?.(c) ?? {},
      ip: req.ip ?? null,
    });
  } catch (error) {
    // The change itself is done; a failed audit write must be seen in the logs, not undo it.
    req.log.error({ err: error, route: req.routeOptions.url }, 'audit log write failed');
  }
}

function parse<T extends z.ZodType | undefined>(schema: T, value: unknown, where: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
    throw new ApiError(400, `Invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return result.data;
}

function jsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });
  } catch {
    return {};
  }
}
