// Shapes of the workspace, member and token API (contract: .tmp/ui-contract.md, helper A).
import type { Role } from '../../auth/session.tsx';

export interface WorkspaceSettings {
  id: string;
  slug: string;
  name: string;
  /** IANA time zone name. */
  timezone: string;
  locale: 'ru' | 'en';
  role: Role;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy?: string | null;
}

export interface CreatedToken {
  id: string;
  name: string;
  role: Role;
  /** The secret: shown once, never again. */
  token: string;
}

/** A pending invitation of this workspace, as its owners see it. */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

/** An invitation addressed to the signed-in user. */
export interface MyInvitation {
  id: string;
  workspace: { id: string; slug: string; name: string };
  role: Role;
  invitedBy: { name: string; email: string } | null;
  createdAt: string;
  expiresAt: string;
}

export const ROLES: Role[] = ['owner', 'editor', 'viewer'];
