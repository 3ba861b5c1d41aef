// The audit log: owners read their workspace's, the instance operator reads every workspace's.
// Also the look-ups route declarations use to name what they change before it changes.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { Flows } from '../../engine/flows.ts';
import type { AuditEntry, Principal, Workspace } from '../../store/types.ts';
import { AuthError, workspaceFor } from '../auth.ts';
import type { ApiRouter } from '../router.ts';
import { limit, time } from './params.ts';

const isOperator = (p: Principal) => (p as Principal & { operator?: boolean }).operator === true;

export function auditView(e: AuditEntry, workspace?: Workspace) {
  return {
    id: e.id,
    at: new Date(e.at).toISOString(),
    workspaceId: e.workspaceId,
    ...(workspace ? { workspace: { id: workspace.id, slug: workspace.slug, name: workspace.name } } : {}),
    actor: { id: e.actor.id, kind: actorKind(e.actor.id), label: e.actor.label },
    action: e.action,
    target: e.target,
    details: e.details,
    ip: e.ip,
  };
}

function actorKind(id: string): 'user' | 'token' | 'cli' | 'system' {
  if (id.startsWith('token:')) return 'token';
  if (id === 'cli') return 'cli';
  if (id.startsWith('usr_')) return 'user';
  return 'system';
}

export function registerAuditRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'GET', url: '/audit',
    summary: "Audit log, newest first: who changed what and when. Owners see their workspace's (X-Workspace or ?workspace=); the instance operator sees every workspace's and instance events unless one is named",
    tag: 'audit', role: 'authenticated',
    query: z.object({
      workspace: z.string().max(100).optional(),
      actor: z.string().max(200).optional(),
      action: z.string().regex(/^[a-z_.]{1,64}$/, 'an action or its prefix, e.g. flow or flow.delete').optional(),
      targetType: z.string().max(50).optional(),
      targetId: z.string().max(100).optional(),
      from: time.optional(),
      to: time.optional(),
      before: z.string().max(100).optional(),
      limit,
    }),
    async handler({ req, query, principal }) {
      // ?workspace= or X-Workspace names one workspace; an operator naming none sees them all.
      const header = req.headers['x-workspace'];
      const named = query.workspace || (typeof header === 'string' && header ? header : undefined);
      let workspaceIds: string[] | undefined;
      if (named) {
        const ws = (await s.store.getWorkspace(named)) ?? (await s.store.getWorkspaceBySlug(named));
        const role = ws ? principal.roles.get(ws.id) : undefined;
        if (!ws || (!isOperator(principal) && !role)) throw new AuthError('Workspace not found', 404);
        if (!isOperator(principal) && role !== 'owner') throw new AuthError(`This needs the owner role; you are ${role}`, 403);
        workspaceIds = [ws.id];
      } else if (!isOperator(principal)) {
        workspaceIds = [await workspaceFor(req, principal, s.store, 'owner')];
      }
      const page = await s.store.audit.list({
        workspaceIds,
        actor: query.actor,
        actionPrefix: query.action,
        targetType: query.targetType,
        targetId: query.targetId,
        from: query.from,
        to: query.to,
        before: query.before,
        limit: query.limit,
      });
      const ids = [...new Set(page.items.map((e) => e.workspaceId).filter((id): id is string => id !== null))];
      const workspaces = new Map((await s.store.listWorkspaces(ids)).map((w) => [w.id, w]));
      return { items: page.items.map((e) => auditView(e, e.workspaceId ? workspaces.get(e.workspaceId) : undefined)), next: page.next };
    },
  });
}

/** Snapshots for route declarations' `before`: what a call is about to change, as it is now. */
export function auditLookups(s: Services) {
  const nameIn = (body: unknown) => (body && typeof body === 'object' && typeof (body as { name?: unknown }).name === 'string' ? (body as { name: string }).name : undefined);
  return {
    flow: ({ params, workspaceId }: { params: { id: string }; workspaceId: string }) => s.store.getFlow(workspaceId, params.id),
    /** The flow a create-or-update-by-name call would update, if any. */
    flowNamed: async ({ body, workspaceId }: { body: unknown; workspaceId: string }) => {
      let name = nameIn(body);
      const text = body && typeof body === 'object' ? (body as { text?: unknown }).text : undefined;
      if (name === undefined && typeof text === 'string') {
        try {
          name = nameIn(Flows.parseText(text));
        } catch {
          return undefined; // the handler answers the parse error
        }
      }
      return name === undefined ? undefined : s.store.getFlowByName(workspaceId, name);
    },
    connection: async ({ params, workspaceId }: { params: { id: string }; workspaceId: string }) => {
      const c = await s.store.getConnection(workspaceId, params.id);
      return c && { id: c.id, name: c.name, connector: c.connector };
    },
    connectionNamed: async ({ body, workspaceId }: { body: { name: string }; workspaceId: string }) => {
      const c = await s.store.getConnectionByName(workspaceId, body.name);
      return c && { id: c.id, name: c.name, connector: c.connector };
    },
    member: async ({ body, workspaceId }: { body: { email: string }; workspaceId: string }) => {
      const user = await s.store.getUserByEmail(body.email);
      const role = user ? (await s.store.rolesOfUser(user.id)).get(workspaceId) : undefined;
      // Only the role: whether the address has an account is not the log's to tell.
      return { role: role ?? null };
    },
    memberById: async ({ params, workspaceId }: { params: { userId: string }; workspaceId: string }) => {
      const m = (await s.store.listMembers(workspaceId)).find((x) => x.userId === params.userId);
      return m && { id: m.userId, name: m.email, role: m.role };
    },
    token: async ({ params, workspaceId }: { params: { id: string }; workspaceId: string }) => {
      const t = (await s.store.listApiTokens(workspaceId)).find((x) => x.id === params.id);
      return t && { id: t.id, name: t.name, role: t.role };
    },
    /** Any invitation by id (the handler decides who may touch it); its email is the target's name. */
    invitation: async ({ params }: { params: { id: string } }) => {
      const i = await s.store.access.getInvitation(params.id);
      return i && { id: i.id, name: i.email, role: i.role, workspaceId: i.workspaceId };
    },
    /** The plan in force, a trial's too (its billing row may not be written yet). */
    billing: async ({ workspaceId }: { workspaceId: string }) => {
      await s.plans.prepare(workspaceId);
      return { planId: s.plans.planOf(workspaceId).id };
    },
    workspace: async ({ workspaceId }: { workspaceId: string }) => {
      const w = await s.store.getWorkspace(workspaceId);
      return w && { id: w.id, name: w.name, timezone: w.timezone, locale: w.locale };
    },
  };
}
