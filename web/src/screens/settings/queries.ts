// Server state of the settings screens.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { ApiToken, Member, WorkspaceSettings } from './types.ts';

export const WORKSPACE_KEY = ['workspace'] as const;
export const MEMBERS_KEY = ['members'] as const;
export const TOKENS_KEY = ['tokens'] as const;
export const INVITATIONS_KEY = ['invitations'] as const;
export const MY_INVITATIONS_KEY = ['invitations', 'mine'] as const;

export function useWorkspaceSettings() {
  return useQuery({ queryKey: WORKSPACE_KEY, queryFn: () => api<WorkspaceSettings>('/workspace'), retry: false });
}

export function useMembers() {
  return useQuery({ queryKey: MEMBERS_KEY, queryFn: () => api<{ items: Member[] }>('/members') });
}

/** Only owners may list tokens. */
export function useTokens(enabled: boolean) {
  return useQuery({ queryKey: TOKENS_KEY, queryFn: () => api<{ items: ApiToken[] }>('/tokens'), retry: false, enabled });
}
