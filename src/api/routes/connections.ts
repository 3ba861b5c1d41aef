// Connections to services; credentials go in, never out.
import { z } from 'zod';
import type { Services } from '../../app.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';
import { connectionView } from '../views.ts';
import { id } from './params.ts';

export function registerConnectionsRoutes(api: ApiRouter, s: Services): void {
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

}
