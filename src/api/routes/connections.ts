// Connections to services; credentials go in, never out. A connection is named by flows, so a
// rename rewrites them and a delete is refused while any flow still names it.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { flowsUsing, withConnectionRenamed } from '../../engine/connections.ts';
import type { FlowDefinition } from '../../engine/flow-schema.ts';
import { FlowValidationError, validateFlow } from '../../engine/validate-flow.ts';
import type { Connection } from '../../store/types.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';
import { connectionView } from '../views.ts';
import { id } from './params.ts';
import { auditLookups } from './audit.ts';
import { connectionsHealth, failWaiting, retryNow } from '../../engine/circuits.ts';

const quoted = (flows: Array<{ name: string }>) => flows.map((f) => `«${f.name}»`).join(', ');

export function registerConnectionsRoutes(api: ApiRouter, s: Services): void {
  const A = auditLookups(s);
  const connectionBody = z.object({ name: z.string().min(1).max(100), connector: z.string().min(1), auth: z.record(z.string(), z.unknown()).default({}) });
  const connectionOf = async (workspaceId: string, connectionId: string) => {
    const c = await s.store.getConnection(workspaceId, connectionId);
    if (!c) throw notFound('Connection');
    return c;
  };
  const view = (c: Connection, usedBy: Array<{ id: string; name: string }> = []) => connectionView(c, usedBy, s.connections.secretsSet(c));
  const withUsage = async (c: Connection) => view(c, flowsUsing(await s.store.listFlows(c.workspaceId), c.name));
  /** The connection with its service's health (ok | degraded | down, since, waiting executions). */
  const withHealth = async (c: Connection) => ({ ...(await withUsage(c)), ...(await connectionsHealth(s.store.circuits, c.workspaceId, [c.id])).get(c.id)! });

  api.add({
    method: 'GET', url: '/connections', summary: 'Connections of the workspace with the flows that use each (credentials are never returned)', tag: 'connections', role: 'viewer',
    async handler({ workspaceId }) {
      const flows = await s.store.listFlows(workspaceId);
      const connections = await s.store.listConnections(workspaceId);
      const health = await connectionsHealth(s.store.circuits, workspaceId, connections.map((c) => c.id));
      return { items: connections.map((c) => ({ ...view(c, flowsUsing(flows, c.name)), ...health.get(c.id)! })) };
    },
  });
  api.add({
    method: 'POST', url: '/connections', summary: 'Create or replace a connection by name', tag: 'connections', role: 'editor', body: connectionBody, status: 201,
    audit: { action: (c) => (c.before ? 'connection.update' : 'connection.create'), target: 'connection', before: A.connectionNamed, details: (c) => ({ connector: c.body.connector, authFields: Object.keys(c.body.auth) }) },
    async handler({ body, workspaceId }) {
      return withUsage(await s.connections.save(workspaceId, body));
    },
  });
  api.add({
    method: 'GET', url: '/connections/:id', summary: "One connection, with the flows that use it and its service's health (health: ok | degraded | down, since, waiting executions)", tag: 'connections', role: 'viewer', params: id,
    async handler({ params, workspaceId }) {
      return withHealth(await connectionOf(workspaceId, params.id));
    },
  });
  api.add({
    method: 'POST', url: '/connections/:id/circuit/close', summary: 'Retry now: treat the service as back (close its circuit); the waiting executions go on at its rate limit', tag: 'connections', role: 'owner', params: id,
    audit: { action: 'connection.circuit_close', target: 'connection', before: A.connection, details: () => ({}) },
    async handler({ params, workspaceId }) {
      const c = await connectionOf(workspaceId, params.id);
      await retryNow(s.circuits, s.store.circuits, workspaceId, c.id);
      return withHealth(c);
    },
  });
  api.add({
    method: 'POST', url: '/connections/:id/circuit/fail-waiting', summary: 'Fail the executions waiting for this service (they can be retried later like any failed execution)', tag: 'connections', role: 'owner', params: id,
    audit: { action: 'connection.circuit_fail_waiting', target: 'connection', before: A.connection, details: (c) => ({ failed: c.result.failed }) },
    async handler({ params, workspaceId }) {
      const c = await connectionOf(workspaceId, params.id);
      const failed = await failWaiting(s.store.circuits, c.id);
      return { ...(await withHealth(c)), failed };
    },
  });
  api.add({
    method: 'PUT', url: '/connections/:id', summary: 'Replace a connection (all auth values; use PATCH to keep stored secrets)', tag: 'connections', role: 'editor', params: id, body: connectionBody,
    audit: { action: 'connection.update', target: 'connection', before: A.connection, details: (c) => ({ connector: c.body.connector, authFields: Object.keys(c.body.auth) }) },
    async handler({ params, body, workspaceId }) {
      const c = await connectionOf(workspaceId, params.id);
      if (c.name !== body.name || c.connector !== body.connector) throw new ApiError(400, 'name and connector of a connection cannot change (rename with PATCH)');
      return withUsage(await s.connections.save(workspaceId, body));
    },
  });
  api.add({
    method: 'PATCH', url: '/connections/:id',
    audit: { action: (c) => (c.before && c.result.name !== c.before.name ? 'connection.rename' : 'connection.update'), target: 'connection', before: A.connection, details: (c) => ({ ...(c.before && c.result.name !== c.before.name ? { from: c.before.name, to: c.result.name } : {}), authFieldsChanged: Object.keys(c.body.auth ?? {}) }) },
    summary: 'Rename a connection (every flow that names it is saved with the new name, as a new version) and/or change its credentials (a secret field left out or empty keeps its stored value)',
    tag: 'connections', role: 'editor', params: id,
    body: z.object({ name: z.string().trim().min(1).max(100).optional(), auth: z.record(z.string(), z.unknown()).optional() }),
    async handler({ params, body, workspaceId }) {
      const c = await connectionOf(workspaceId, params.id);
      const newName = body.name !== undefined && body.name !== c.name ? body.name : undefined;
      const flows = await s.store.listFlows(workspaceId);
      const users = flowsUsing(flows, c.name);
      // Every rewritten flow is checked before anything changes, so a rename is all or nothing.
      const rewritten = newName === undefined ? [] : flows
        .filter((f) => users.some((u) => u.id === f.id))
        .map((f) => ({ flow: f, definition: withConnectionRenamed(f.definition as FlowDefinition, c.name, newName) }));
      const envAllowed = await s.variables.envAllowed(workspaceId);
      for (const { flow, definition } of rewritten) {
        try {
          validateFlow(definition, s.connectors, { envAllowed });
        } catch (error) {
          if (!(error instanceof FlowValidationError)) throw error;
          throw new ApiError(409, `Связка «${flow.name}» не сохраняется с новым именем / Flow «${flow.name}» cannot be saved with the new name: ${error.message}`);
        }
      }
      const saved = await s.connections.update(c, { name: newName, auth: body.auth });
      for (const { flow, definition } of rewritten) await s.flows.save(workspaceId, definition, flow.id);
      return view(saved, users);
    },
  });
  api.add({
    method: 'DELETE', url: '/connections/:id', summary: 'Delete a connection; 409 with the flows that still use it', tag: 'connections', role: 'editor', params: id,
    audit: { action: 'connection.delete', target: 'connection', before: A.connection, details: (c) => ({ connector: c.before?.connector }) },
    async handler({ params, workspaceId, reply }) {
      const c = await connectionOf(workspaceId, params.id);
      const users = flowsUsing(await s.store.listFlows(workspaceId), c.name);
      if (users.length > 0) {
        // Answered here rather than thrown: the body carries the flows, which ApiError cannot.
        reply.code(409).send({
          error: 'conflict',
          message: `Подключение используется в связках: ${quoted(users)} / Used by flows: ${quoted(users)}`,
          flows: users,
        });
        return undefined;
      }
      if (!(await s.store.deleteConnection(workspaceId, params.id))) throw notFound('Connection');
      return { ok: true };
    },
  });
  api.add({
    method: 'POST', url: '/connections/:id/test', summary: 'Test a connection against its service', tag: 'connections', role: 'editor', params: id,
    audit: { action: 'connection.test', target: 'connection', before: A.connection, details: (c) => ({ ok: c.result.ok === true }) },
    async handler({ params, workspaceId }) {
      return s.connections.test(await connectionOf(workspaceId, params.id), s.limiter, s.logger);
    },
  });
}
