// Invitations into a workspace by email. The owner's answer is the same whether the address has
// an account or not (nothing to enumerate) and no account is ever created here; the invited
// user sees the invitation after signing in — an address without an account sees it once the
// operator creates the account (`svyazka user create`) — and accepts or declines it.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { emailAddress } from '../../lib/email.ts';
import { newId } from '../../lib/ids.ts';
import type { Invitation, Principal, Role } from '../../store/types.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';
import { id, role } from './params.ts';
import { auditLookups } from './audit.ts';

/** How long an invitation can be accepted. */
export const INVITATION_DAYS = 14;

const iso = (ms: number) => new Date(ms).toISOString();

const sentMessage = {
  ru: 'Приглашение отправлено. Если у этого адреса есть учётная запись, человек увидит приглашение после входа; если нет — когда оператор создаст для него учётную запись.',
  en: 'Invitation sent. If this address has an account, they will see it after signing in; if not, once the operator creates an account for it.',
};

/** Records (or renews) an invitation; the answer never depends on whether the address has an account. */
export async function invite(s: Services, args: { workspaceId: string; email: string; role: Role; principal: Principal }) {
  const now = Date.now();
  const invitation = await s.store.access.saveInvitation({
    id: newId('inv', now),
    workspaceId: args.workspaceId,
    email: args.email.toLowerCase(),
    role: args.role,
    invitedBy: args.principal.userId ?? `token:${args.principal.tokenId}`,
    createdAt: now,
    expiresAt: now + INVITATION_DAYS * 86_400_000,
  });
  return { invited: true, invitation: ownerView(invitation), message: sentMessage.ru, messageEn: sentMessage.en };
}

function ownerView(i: Invitation) {
  return { id: i.id, email: i.email, role: i.role, createdAt: iso(i.createdAt), expiresAt: iso(i.expiresAt) };
}

/** The signed-in user's own account; invitations are never accepted by an API token. */
async function signedInUser(s: Services, principal: Principal) {
  if (principal.tokenId !== null || !principal.userId) throw new ApiError(403, 'Invitations are for signed-in users, not API tokens');
  const user = await s.store.getUser(principal.userId);
  if (!user) throw new ApiError(403, 'Invitations are for signed-in users, not API tokens');
  return user;
}

/** An invitation addressed to this user, still valid; anyone else's is simply not found. */
async function ownInvitation(s: Services, principal: Principal, invitationId: string) {
  const user = await signedInUser(s, principal);
  const invitation = await s.store.access.getInvitation(invitationId);
  if (!invitation || invitation.email !== user.email.toLowerCase() || invitation.expiresAt <= Date.now()) throw notFound('Invitation');
  return { user, invitation };
}

export function registerInvitationRoutes(api: ApiRouter, s: Services): void {
  const A = auditLookups(s);
  api.add({
    method: 'POST', url: '/invitations', summary: 'Invite an email into the workspace with a role (the same answer whether the address has an account or not; 409 for a current member)', tag: 'invitations', role: 'owner', status: 202,
    audit: { action: 'member.invite', target: (c) => ({ type: 'invitation', id: c.result.invitation.id, name: c.result.invitation.email }), details: (c) => ({ role: c.body.role }) },
    body: z.object({ email: emailAddress, role }),
    async handler({ body, workspaceId, principal }) {
      // Members are listed to every member anyway: telling the owner this one is already in leaks nothing.
      const members = await s.store.listMembers(workspaceId);
      if (members.some((m) => m.email === body.email.toLowerCase())) {
        throw new ApiError(409, 'Уже участник: смените роль в списке участников / Already a member: change their role in the member list');
      }
      return invite(s, { workspaceId, email: body.email, role: body.role, principal });
    },
  });
  api.add({
    method: 'GET', url: '/invitations', summary: "The workspace's pending invitations, newest first", tag: 'invitations', role: 'owner',
    async handler({ workspaceId }) {
      const items = await s.store.access.listWorkspaceInvitations(workspaceId, Date.now());
      return { items: items.map(ownerView) };
    },
  });
  api.add({
    method: 'DELETE', url: '/invitations/:id', summary: 'Revoke a pending invitation', tag: 'invitations', role: 'owner', params: id,
    audit: { action: 'member.invite_revoke', target: 'invitation', before: A.invitation, details: (c) => ({ role: c.before?.role }) },
    async handler({ params, workspaceId }) {
      const invitation = await s.store.access.getInvitation(params.id);
      if (!invitation || invitation.workspaceId !== workspaceId) throw notFound('Invitation');
      await s.store.access.deleteInvitation(invitation.id);
      return { ok: true };
    },
  });
  api.add({
    method: 'GET', url: '/invitations/mine', summary: 'Invitations addressed to your email, pending, newest first', tag: 'invitations', role: 'authenticated',
    async handler({ principal }) {
      const user = await signedInUser(s, principal);
      const invitations = await s.store.access.listInvitationsFor(user.email, Date.now());
      const workspaces = new Map((await s.store.listWorkspaces(invitations.map((i) => i.workspaceId))).map((w) => [w.id, w]));
      const items = [];
      for (const i of invitations) {
        const ws = workspaces.get(i.workspaceId);
        if (!ws) continue;
        const inviter = i.invitedBy.startsWith('token:') ? undefined : await s.store.getUser(i.invitedBy);
        items.push({
          id: i.id,
          workspace: { id: ws.id, slug: ws.slug, name: ws.name },
          role: i.role,
          invitedBy: inviter ? { name: inviter.name, email: inviter.email } : null,
          createdAt: iso(i.createdAt),
          expiresAt: iso(i.expiresAt),
        });
      }
      return { items };
    },
  });
  api.add({
    method: 'POST', url: '/invitations/:id/accept', summary: 'Accept an invitation addressed to you: you become a member with its role', tag: 'invitations', role: 'authenticated', params: id,
    audit: { action: 'member.join', target: (c) => ({ type: 'invitation', id: c.params.id, name: c.before?.name }), before: A.invitation, workspace: (c) => c.result.workspace?.id ?? c.before?.workspaceId ?? null, details: (c) => ({ role: c.result.role }) },
    async handler({ params, principal }) {
      const { user, invitation } = await ownInvitation(s, principal, params.id);
      if (!(await s.store.access.acceptInvitation(invitation.id, user.id, Date.now()))) throw notFound('Invitation');
      const ws = await s.store.getWorkspace(invitation.workspaceId);
      return { ok: true, workspace: ws ? { id: ws.id, slug: ws.slug, name: ws.name } : null, role: invitation.role };
    },
  });
  api.add({
    method: 'POST', url: '/invitations/:id/decline', summary: 'Decline an invitation addressed to you', tag: 'invitations', role: 'authenticated', params: id,
    audit: { action: 'member.decline', target: 'invitation', before: A.invitation, workspace: (c) => c.before?.workspaceId ?? null, details: (c) => ({ role: c.before?.role }) },
    async handler({ params, principal }) {
      const { invitation } = await ownInvitation(s, principal, params.id);
      await s.store.access.deleteInvitation(invitation.id);
      return { ok: true };
    },
  });
}

/** How many invitations wait for this principal (0 for API tokens): shown in /auth/me. */
export async function pendingInvitationCount(s: Services, principal: Principal): Promise<number> {
  if (principal.tokenId !== null || !principal.userId) return 0;
  const user = await s.store.getUser(principal.userId);
  return user ? (await s.store.access.listInvitationsFor(user.email, Date.now())).length : 0;
}
