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

export const ROLES: Role[] = ['owner', 'editor', 'viewer'];
