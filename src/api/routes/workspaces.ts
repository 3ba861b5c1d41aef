// Workspaces, their members and API tokens.
import { z } from 'zod';
import type { Services } from '../../app.ts';
import { hashPassword, hashSecret, newApiToken } from '../auth.ts';
import { ApiError, type ApiRouter } from '../router.ts';
import { role } from './params.ts';

export function registerWorkspacesRoutes(api: ApiRouter, s: Services): void {
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

}
