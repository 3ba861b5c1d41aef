// Workspaces and their settings, members and API tokens. New members come by invitation
// (invitations.ts); an existing member's role changes here directly.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { emailAddress } from '../../lib/email.ts';
import type { Role, Workspace } from '../../store/types.ts';
import { hashSecret, newApiToken, ROLE_RANK } from '../auth.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';
import { id, role } from './params.ts';
import { invite } from './invitations.ts';
import { auditLookups } from './audit.ts';

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
  const A = auditLookups(s);
  api.add({
    method: 'GET', url: '/workspaces', summary: 'Workspaces you can act in, with your role', tag: 'workspaces', role: 'authenticated',
    async handler({ principal }) {
      const list = await s.store.listWorkspaces([...principal.roles.keys()]);
      return { items: list.map((w) => workspaceView(w, principal.roles.get(w.id))) };
    },
  });
  api.add({
    method: 'POST', url: '/workspaces', summary: 'Create a workspace (you become its owner): operators, or anyone when the instance setting workspaceCreation allows; never an API token', tag: 'workspaces', role: 'authenticated',
    audit: { action: 'workspace.create', target: 'workspace', workspace: (c) => c.result.id, details: (c) => ({ slug: c.body.slug }) },
    body: z.object({ slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and -'), name: z.string().min(1).max(200) }),
    status: 201,
    async handler({ body, principal }) {
      const allowed = await s.settings.mayCreateWorkspace(principal);
      if (!allowed.ok) throw new ApiError(403, allowed.message);
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
    audit: { action: 'workspace.update', target: 'workspace', before: A.workspace, details: (c) => ({ changed: Object.fromEntries(Object.entries(c.body).map(([k, v]) => [k, { from: c.before?.[k], to: v }])) }) },
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
    method: 'PUT', url: '/members', summary: "Change a member's role; for an email that is not a member, the same as POST /invitations (an invitation; the same answer whether the address has an account or not)", tag: 'workspaces', role: 'owner',
    audit: { action: (c) => (c.result.invited ? 'member.invite' : 'member.role'), target: (c) => (c.result.invited ? { type: 'invitation', id: c.result.invitation.id, name: c.result.invitation.email } : { type: 'user', id: c.result.userId, name: c.result.email }), before: A.member, details: (c) => ({ role: c.body.role, ...(c.before?.role ? { from: c.before.role } : {}) }) },
    body: z.object({ email: emailAddress, role }),
    async handler({ body, workspaceId, principal }) {
      const members = await s.store.listMembers(workspaceId);
      const member = members.find((m) => m.email === body.email.toLowerCase());
      if (!member) return invite(s, { workspaceId, email: body.email, role: body.role, principal });
      if (body.role !== 'owner') {
        const owners = members.filter((m) => m.role === 'owner');
        if (owners.length === 1 && owners[0].userId === member.userId) throw new ApiError(409, lastOwnerMessage);
      }
      await s.store.setMember(workspaceId, member.userId, body.role);
      return { userId: member.userId, email: member.email, role: body.role };
    },
  });
  api.add({
    method: 'DELETE', url: '/members/:userId', summary: "Remove a member (their API tokens for this workspace are revoked); 409 for the last owner", tag: 'workspaces', role: 'owner',
    audit: { action: 'member.remove', target: (c) => ({ type: 'user', id: c.params.userId, name: c.before?.name }), before: A.memberById, details: (c) => ({ role: c.before?.role }) },
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
    method: 'POST', url: '/tokens', summary: 'Create an API token for this workspace only (shown once), with a role no higher than yours', tag: 'workspaces', role: 'owner',
    audit: { action: 'token.create', target: 'token', details: (c) => ({ role: c.result.role }) },
    body: z.object({ name: z.string().min(1).max(100), role: role.default('editor') }),
    status: 201,
    async handler({ body, workspaceId, principal }) {
      // The cap holds for tokens made by tokens too: a token principal's role is the token's own.
      const yours = principal.roles.get(workspaceId);
      if (!yours || ROLE_RANK[body.role] > ROLE_RANK[yours]) {
        throw new ApiError(403, `A token's role cannot be higher than yours (${yours ?? 'none'})`, [{ path: 'body.role', message: `at most ${yours ?? 'none'}` }]);
      }
      const token = newApiToken();
      const saved = await s.store.createApiToken({ workspaceId, userId: principal.userId, role: body.role, name: body.name, tokenHash: hashSecret(token) });
      return { id: saved.id, name: saved.name, role: saved.role, token };
    },
  });
  api.add({
    method: 'DELETE', url: '/tokens/:id', summary: 'Revoke an API token (it stops working at once)', tag: 'workspaces', role: 'owner', params: id,
    audit: { action: 'token.revoke', target: 'token', before: A.token, details: (c) => ({ role: c.before?.role }) },
    async handler({ params, workspaceId }) {
      if (!(await s.store.revokeApiToken(workspaceId, params.id, Date.now()))) throw notFound('Token');
      return { ok: true };
    },
  });
}
