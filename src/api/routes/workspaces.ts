// Workspaces and their settings, members and API tokens.
import { z } from 'zod';
import type { Services } from '../../app.ts';
import { emailAddress } from '../../lib/email.ts';
import type { Role, Workspace } from '../../store/types.ts';
import { hashPassword, hashSecret, newApiToken } from '../auth.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';
import { id, role } from './params.ts';

/** An IANA zone name Intl knows ('Europe/Moscow', 'Asia/Yekaterinburg', 'UTC'), in its canonical spelling. */
const timeZone = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/, 'an IANA time zone name, e.g. Europe/Moscow')
  .transform((name, ctx) => {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      ctx.addIssue({ code: 'custom', message: `unknown time zone "${name}" (an IANA name, e.g. Europe/Moscow)` });
      return z.NEVER;
    }
  });

const workspaceSettings = z
  .object({ name: z.string().trim().min(1).max(200), timezone: timeZone, locale: z.enum(['ru', 'en']) })
  .partial();

const lastOwnerMessage = 'Нельзя оставить пространство без владельца / A workspace needs at least one owner';

function workspaceView(w: Workspace, yourRole: Role | undefined) {
  return { id: w.id, slug: w.slug, name: w.name, timezone: w.timezone, locale: w.locale, role: yourRole };
}

export function registerWorkspacesRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'GET', url: '/workspaces', summary: 'Workspaces you can act in, with your role', tag: 'workspaces', role: 'authenticated',
    async handler({ principal }) {
      const list = await s.store.listWorkspaces([...principal.roles.keys()]);
      return { items: list.map((w) => workspaceView(w, principal.roles.get(w.id))) };
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
    method: 'GET', url: '/workspace', summary: 'The current workspace (X-Workspace): name, time zone, language and your role', tag: 'workspaces', role: 'viewer',
    async handler({ workspaceId, principal }) {
      const ws = await s.store.getWorkspace(workspaceId);
      if (!ws) throw notFound('Workspace');
      return workspaceView(ws, principal.roles.get(workspaceId));
    },
  });
  api.add({
    method: 'PATCH', url: '/workspace', summary: 'Change the workspace name, time zone (IANA name) or language (ru | en)', tag: 'workspaces', role: 'owner',
    body: workspaceSettings,
    async handler({ body, workspaceId, principal }) {
      const ws = await s.store.updateWorkspace(workspaceId, body);
      if (!ws) throw notFound('Workspace');
      return workspaceView(ws, principal.roles.get(workspaceId));
    },
  });
  api.add({
    method: 'GET', url: '/members', summary: 'Members of the workspace: {items:[{userId,email,name,role}]}', tag: 'workspaces', role: 'viewer',
    async handler({ workspaceId }) {
      return { items: await s.store.listMembers(workspaceId) };
    },
  });
  api.add({
    method: 'PUT', url: '/members', summary: 'Add a user to the workspace or change their role (creates the user with a password if new)', tag: 'workspaces', role: 'owner',
    body: z.object({ email: emailAddress, role, name: z.string().optional(), password: z.string().min(8).optional() }),
    async handler({ body, workspaceId }) {
      let user = await s.store.getUserByEmail(body.email);
      if (!user) {
        if (!body.password) throw new ApiError(400, 'New user: give a password (at least 8 characters)');
        user = await s.store.createUser({ email: body.email, name: body.name ?? body.email, passwordHash: await hashPassword(body.password) });
      }
      if (body.role !== 'owner') {
        const owners = (await s.store.listMembers(workspaceId)).filter((m) => m.role === 'owner');
        if (owners.length === 1 && owners[0].userId === user.id) throw new ApiError(409, lastOwnerMessage);
      }
      await s.store.setMember(workspaceId, user.id, body.role);
      return { userId: user.id, email: user.email, role: body.role };
    },
  });
  api.add({
    method: 'DELETE', url: '/members/:userId', summary: "Remove a member (their API tokens for this workspace are revoked); 409 for the last owner", tag: 'workspaces', role: 'owner',
    params: z.object({ userId: z.string().min(1).max(100) }),
    async handler({ params, workspaceId }) {
      const result = await s.store.removeMember(workspaceId, params.userId);
      if (result === 'not_found') throw notFound('Member');
      if (result === 'last_owner') throw new ApiError(409, lastOwnerMessage);
      return { ok: true };
    },
  });
  api.add({
    method: 'GET', url: '/tokens', summary: "The workspace's API tokens that still work (never their secrets)", tag: 'workspaces', role: 'owner',
    async handler({ workspaceId }) {
      const tokens = await s.store.listApiTokens(workspaceId);
      return {
        items: tokens.map((t) => ({
          id: t.id,
          name: t.name,
          role: t.role,
          createdAt: new Date(t.createdAt).toISOString(),
          ...(t.createdByEmail ? { createdBy: t.createdByEmail } : {}),
        })),
      };
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
  api.add({
    method: 'DELETE', url: '/tokens/:id', summary: 'Revoke an API token (it stops working at once)', tag: 'workspaces', role: 'owner', params: id,
    async handler({ params, workspaceId }) {
      if (!(await s.store.revokeApiToken(workspaceId, params.id, Date.now()))) throw notFound('Token');
      return { ok: true };
    },
  });
}
