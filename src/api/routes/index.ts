// Every /api/v1 route. Each handler is scoped to ctx.workspaceId; records of other workspaces are
// simply not found.
import { z } from 'zod';
import type { Services } from '../../app.ts';
import { catalogOf } from '../../connectors/catalog.ts';
import { flattenSample } from '../../engine/flatten.ts';
import { FlowNotFoundError, Flows } from '../../engine/flows.ts';
import { hashPassword, hashSecret, newApiToken, newSessionId, SESSION_COOKIE, SESSION_DAYS, verifyPassword } from '../auth.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';
import { connectionView, executionView, webhookView } from '../views.ts';

const id = z.object({ id: z.string().min(1).max(100) });
const role = z.enum(['owner', 'editor', 'viewer']);
const limit = z.coerce.number().int().min(1).max(500).default(50);
const time = z.union([z.coerce.number().int(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);
const executionStatus = z.enum(['queued', 'running', 'waiting', 'retrying', 'succeeded', 'failed', 'filtered', 'stopped', 'cancelled', 'quota_exceeded']);

export function registerRoutes(api: ApiRouter, s: Services): void {
  // ---- session ----
  api.add({
    method: 'POST', url: '/auth/login', summary: 'Sign in with email and password (sets a session cookie)', tag: 'auth', role: null,
    body: z.object({ email: z.string().email(), password: z.string().min(1) }),
    async handler({ body, reply }) {
      const user = await s.store.getUserByEmail(body.email);
      if (!user || !(await verifyPassword(body.password, user.passwordHash))) throw new ApiError(401, 'Wrong email or password');
      const sessionId = newSessionId();
      const expiresAt = Date.now() + SESSION_DAYS * 86_400_000;
      await s.store.createSession({ idHash: hashSecret(sessionId), userId: user.id, expiresAt });
      reply.header('set-cookie', `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_DAYS * 86400}`);
      return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
    },
  });
  api.add({
    method: 'POST', url: '/auth/logout', summary: 'End the session', tag: 'auth', role: 'authenticated',
    async handler({ req, reply }) {
      const cookie = /(?:^|;\s*)svyazka_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (cookie) await s.store.deleteSession(hashSecret(decodeURIComponent(cookie)));
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; Max-Age=0`);
      return { ok: true };
    },
  });

  // ---- workspaces, members, tokens ----
  api.add({
    method: 'GET', url: '/workspaces', summary: 'Workspaces you can act in, with your role', tag: 'workspaces', role: 'authenticated',
    async handler({ principal }) {
      const list = await s.store.listWorkspaces([...principal.roles.keys()]);
      return { items: list.map((w) => ({ id: w.id, slug: w.slug, name: w.name, role: principal.roles.get(w.id) })) };
    },
  });
  api.add({
    method: 'POST', url: '/workspaces', summary: 'Create a workspace (you become its owner)', tag: 'workspaces', role: 'authenticated',
    body: z.object({ slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and -'), name: z.string().min(1).max(200) }),
    status: 201,
    async handler({ body, principal }) {
      if (!principal.userId) throw new ApiError(403, 'Only users (not API tokens) create workspaces');
      if (await s.store.getWorkspaceBySlug(body.slug)) throw new ApiError(409, `Workspace "${body.slug}" already exists`);
      const ws = await s.store.createWorkspace(body.slug, body.name);
      await s.store.setMember(ws.id, principal.userId, 'owner');
      return { id: ws.id, slug: ws.slug, name: ws.name };
    },
  });
  api.add({
    method: 'GET', url: '/members', summary: 'Members of the workspace', tag: 'workspaces', role: 'viewer',
    async handler({ workspaceId }) {
      return { items: await s.store.listMembers(workspaceId) };
    },
  });
  api.add({
    method: 'PUT', url: '/members', summary: 'Add a user to the workspace or change their role (creates the user with a password if new)', tag: 'workspaces', role: 'owner',
    body: z.object({ email: z.string().email(), role, name: z.string().optional(), password: z.string().min(8).optional() }),
    async handler({ body, workspaceId }) {
      let user = await s.store.getUserByEmail(body.email);
      if (!user) {
        if (!body.password) throw new ApiError(400, 'New user: give a password (at least 8 characters)');
        user = await s.store.createUser({ email: body.email, name: body.name ?? body.email, passwordHash: await hashPassword(body.password) });
      }
      await s.store.setMember(workspaceId, user.id, body.role);
      return { userId: user.id, email: user.email, role: body.role };
    },
  });
  api.add({
    method: 'POST', url: '/tokens', summary: 'Create an API token for this workspace (shown once)', tag: 'workspaces', role: 'owner',
    body: z.object({ name: z.string().min(1).max(100), role: role.default('editor') }),
    status: 201,
    async handler({ body, workspaceId, principal }) {
      const token = newApiToken();
      const saved = await s.store.createApiToken({ workspaceId, userId: principal.userId, role: body.role, name: body.name, tokenHash: hashSecret(token) });
      return { id: saved.id, name: saved.name, role: saved.role, token };
    },
  });

  // ---- connections ----
  const connectionBody = z.object({ name: z.string().min(1).max(100), connector: z.string().min(1), auth: z.record(z.string(), z.unknown()).default({}) });
  api.add({
    method: 'GET', url: '/connections', summary: 'Connections of the workspace (credentials are never returned)', tag: 'connections', role: 'viewer',
    async handler({ workspaceId }) {
      return { items: (await s.store.listConnections(workspaceId)).map(connectionView) };
    },
  });
  api.add({
    method: 'POST', url: '/connections', summary: 'Create or replace a connection by name', tag: 'connections', role: 'editor', body: connectionBody, status: 201,
    async handler({ body, workspaceId }) {
      return connectionView(await s.connections.save(workspaceId, body));
    },
  });
  api.add({
    method: 'GET', url: '/connections/:id', summary: 'One connection', tag: 'connections', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const c = await s.store.getConnection(workspaceId, params.id);
      if (!c) throw notFound('Connection');
      return connectionView(c);
    },
  });
  api.add({
    method: 'PUT', url: '/connections/:id', summary: 'Replace a connection', tag: 'connections', role: 'editor', params: id, body: connectionBody,
    async handler({ params, body, workspaceId }) {
      const c = await s.store.getConnection(workspaceId, params.id);
      if (!c) throw notFound('Connection');
      if (c.name !== body.name || c.connector !== body.connector) throw new ApiError(400, 'name and connector of a connection cannot change');
      return connectionView(await s.connections.save(workspaceId, body));
    },
  });
  api.add({
    method: 'DELETE', url: '/connections/:id', summary: 'Delete a connection', tag: 'connections', role: 'editor', params: id,
    async handler({ params, workspaceId }) {
      if (!(await s.store.deleteConnection(workspaceId, params.id))) throw notFound('Connection');
      return { ok: true };
    },
  });
  api.add({
    method: 'POST', url: '/connections/:id/test', summary: 'Test a connection against its service', tag: 'connections', role: 'editor', params: id,
    async handler({ params, workspaceId }) {
      const c = await s.store.getConnection(workspaceId, params.id);
      if (!c) throw notFound('Connection');
      return s.connections.test(c, s.limiter, s.logger);
    },
  });

  // ---- flows ----
  const flowOf = async (workspaceId: string, flowId: string) => {
    const flow = await s.store.getFlow(workspaceId, flowId);
    if (!flow) throw notFound('Flow');
    return flow;
  };
  api.add({
    method: 'GET', url: '/flows', summary: 'Flows of the workspace', tag: 'flows', role: 'viewer',
    async handler({ workspaceId }) {
      return { items: (await s.store.listFlows(workspaceId)).map((f) => s.flows.view(f)) };
    },
  });
  api.add({
    method: 'POST', url: '/flows', summary: 'Create a flow (or update the one with the same name): flow JSON', tag: 'flows', role: 'editor', body: z.unknown(), status: 201,
    async handler({ body, workspaceId }) {
      return s.flows.view(await s.flows.save(workspaceId, body));
    },
  });
  api.add({
    method: 'POST', url: '/flows/import', summary: 'Import a flow from JSON or YAML text (creates or updates by name)', tag: 'flows', role: 'editor',
    body: z.object({ text: z.string().min(1).max(2_000_000) }), status: 201,
    async handler({ body, workspaceId }) {
      return s.flows.view(await s.flows.save(workspaceId, Flows.parseText(body.text)));
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id', summary: 'One flow, with its webhook URL', tag: 'flows', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      return s.flows.view(await flowOf(workspaceId, params.id));
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id/export', summary: 'The flow JSON, ready to import elsewhere', tag: 'flows', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      return (await flowOf(workspaceId, params.id)).definition;
    },
  });
  api.add({
    method: 'PUT', url: '/flows/:id', summary: 'Replace a flow', tag: 'flows', role: 'editor', params: id, body: z.unknown(),
    async handler({ params, body, workspaceId }) {
      try {
        return s.flows.view(await s.flows.save(workspaceId, body, params.id));
      } catch (error) {
        if (error instanceof FlowNotFoundError) throw notFound('Flow');
        throw error;
      }
    },
  });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    api.add({
      method: 'POST', url: `/flows/:id/${action}`, summary: `${action === 'enable' ? 'Enable' : 'Disable'} a flow`, tag: 'flows', role: 'editor', params: id,
      async handler({ params, workspaceId }) {
        const flow = await s.flows.setEnabled(workspaceId, params.id, enabled);
        if (!flow) throw notFound('Flow');
        return s.flows.view(flow);
      },
    });
  }
  api.add({
    method: 'DELETE', url: '/flows/:id', summary: 'Delete a flow (its history stays until pruned)', tag: 'flows', role: 'editor', params: id,
    async handler({ params, workspaceId }) {
      if (!(await s.flows.remove(workspaceId, params.id))) throw notFound('Flow');
      return { ok: true };
    },
  });
  api.add({
    method: 'GET', url: '/flows/:id/fields', summary: 'Fields for the picker: the trigger catalog plus every field of the latest webhook', tag: 'flows', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const flow = await flowOf(workspaceId, params.id);
      const def = s.flows.view(flow).definition;
      const trigger = s.connectors.trigger(def.trigger.connector, def.trigger.event);
      const latest = (await s.store.listWebhooks(workspaceId, { flowId: flow.id, status: 'accepted', limit: 1 })).items[0];
      const sample = latest?.body ?? def.trigger.options.sample;
      return {
        catalog: (trigger?.fields ?? []).map((f) => ({ id: f.id, label: f.label })),
        sample: sample === undefined ? [] : flattenSample(sample),
        sampleWebhookId: latest?.id ?? null,
      };
    },
  });

  // ---- executions ----
  api.add({
    method: 'GET', url: '/executions', summary: 'Executions, newest first', tag: 'executions', role: 'viewer',
    query: z.object({ flowId: z.string().optional(), status: executionStatus.optional(), webhookId: z.string().optional(), before: z.string().optional(), limit }),
    async handler({ query, workspaceId }) {
      const result = await s.store.listExecutions(workspaceId, query);
      return { items: result.items.map((e) => executionView(e)), next: result.next };
    },
  });
  api.add({
    method: 'GET', url: '/executions/:id', summary: 'One execution with its step journal', tag: 'executions', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const e = await s.store.getExecution(workspaceId, params.id);
      if (!e) throw notFound('Execution');
      return executionView(e, await s.store.listSteps(e.id));
    },
  });
  api.add({
    method: 'POST', url: '/executions/:id/retry', summary: 'Run a failed execution again from the failed step', tag: 'executions', role: 'editor', params: id,
    async handler({ params, workspaceId }) {
      return executionView(await s.runs.retry(workspaceId, params.id));
    },
  });
  api.add({
    method: 'POST', url: '/executions/:id/cancel', summary: 'Cancel an unfinished execution', tag: 'executions', role: 'editor', params: id,
    async handler({ params, workspaceId }) {
      return executionView(await s.runs.cancel(workspaceId, params.id));
    },
  });

  // ---- webhook history ----
  api.add({
    method: 'GET', url: '/webhooks', summary: 'Webhook history, newest first; filter by flow, time and status', tag: 'webhooks', role: 'viewer',
    query: z.object({
      flowId: z.string().optional(),
      status: z.enum(['accepted', 'no_enabled_flow', 'invalid']).optional(),
      from: time.optional(),
      to: time.optional(),
      before: z.string().optional(),
      limit,
    }),
    async handler({ query, workspaceId }) {
      const result = await s.store.listWebhooks(workspaceId, query);
      return { items: result.items.map((w) => webhookView(w, false)), next: result.next };
    },
  });
  api.add({
    method: 'GET', url: '/webhooks/:id', summary: 'One webhook: headers, query, body and the executions it started', tag: 'webhooks', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      const w = await s.store.getWebhook(workspaceId, params.id);
      if (!w) throw notFound('Webhook');
      const executions = await s.store.listExecutions(workspaceId, { webhookId: w.id, limit: 100 });
      return { ...webhookView(w, true), executions: executions.items.map((e) => executionView(e)) };
    },
  });
  api.add({
    method: 'POST', url: '/webhooks/:id/replay', summary: "Run the webhook through its flow again (a new execution)", tag: 'webhooks', role: 'editor', params: id, status: 201,
    async handler({ params, workspaceId }) {
      return executionView(await s.runs.replay(workspaceId, params.id));
    },
  });

  // ---- catalog ----
  api.add({
    method: 'GET', url: '/catalog', summary: 'Every connector with its events, actions and fields', tag: 'catalog', role: 'authenticated',
    async handler() {
      return { items: s.connectors.list().map(catalogOf) };
    },
  });
  api.add({
    method: 'GET', url: '/catalog/:connector', summary: "One connector's catalog", tag: 'catalog', role: 'authenticated',
    params: z.object({ connector: z.string() }),
    async handler({ params }) {
      const c = s.connectors.get(params.connector);
      if (!c) throw notFound('Connector');
      return catalogOf(c);
    },
  });
}
