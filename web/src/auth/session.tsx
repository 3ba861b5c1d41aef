// Who is signed in and which workspace the UI acts in. `GET /auth/me` answers both; a 401
// anywhere clears the session and shows the sign-in page.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { api, ApiError, currentWorkspace, setUnauthorizedHandler, setWorkspace } from '../api/client.ts';
import { applyWorkspaceLanguage } from '../i18n/index.ts';

export type Role = 'owner' | 'editor' | 'viewer';

export interface WorkspaceInfo {
  id: string;
  slug: string;
  name: string;
  role: Role;
  timezone: string;
  locale: string;
}

export interface Me {
  user: { id: string; email: string; name: string } | null;
  workspaces: WorkspaceInfo[];
  /** The instance operator: changes plans and balances, sees every workspace (older servers: absent). */
  operator?: boolean;
  /** Invitations waiting for this user. */
  invitations?: number;
}

interface SessionValue {
  me: Me;
  workspace: WorkspaceInfo;
  /** editor or owner: may change flows and connections. */
  canEdit: boolean;
  isOwner: boolean;
  /** The instance operator (sessions only; never an API token). */
  isOperator: boolean;
  switchWorkspace(id: string): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}

/** The workspace's time zone (Europe/Moscow unless changed in settings). */
export function useTimeZone(): string {
  return useContext(SessionContext)?.workspace.timezone ?? 'Europe/Moscow';
}

export const ME_KEY = ['me'] as const;

let sessionEnded = false;

/** True once after a signed-in session got a 401: the sign-in page says the session ended. */
export function takeSessionEnded(): boolean {
  const ended = sessionEnded;
  sessionEnded = false;
  return ended;
}

export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: () => api<Me>('/auth/me'),
    retry: (count, error) => !(error instanceof ApiError && error.status === 401) && count < 2,
    staleTime: 60_000,
  });
}

/** Signing out; also usable without a workspace (a user who is a member of none yet). */
export function useSignOut(): () => Promise<void> {
  const client = useQueryClient();
  return useCallback(async () => {
    await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
    setWorkspace(null);
    // Not client.clear(): it would drop the `me` query without telling the mounted App, which then
    // stays signed in on screen. Refetching `me` (401) shows the sign-in page.
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    await client.resetQueries({ queryKey: ME_KEY });
  }, [client]);
}

export function SessionProvider(props: { me: Me; children: ReactNode }) {
  const client = useQueryClient();
  const { me } = props;
  const chosen = currentWorkspace();
  const workspace = me.workspaces.find((w) => w.id === chosen) ?? me.workspaces[0];
  useEffect(() => {
    if (workspace && workspace.id !== chosen) setWorkspace(workspace.id);
  }, [workspace, chosen]);
  // Until the user picks a language in this browser, the workspace's applies.
  useEffect(() => applyWorkspaceLanguage(workspace?.locale), [workspace?.locale]);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      // Only while signed in: the refetch of `me` below answers 401 too, and must not loop.
      if (client.getQueryState(ME_KEY)?.status !== 'success') return;
      sessionEnded = true;
      void client.resetQueries({ queryKey: ME_KEY });
    });
  }, [client]);
  const switchWorkspace = useCallback(
    (id: string) => {
      setWorkspace(id);
      // Everything cached belongs to the old workspace. (Not client.clear(): mounted screens would
      // keep their orphaned queries and show the old workspace's data.)
      void client.resetQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    },
    [client],
  );
  const signOut = useSignOut();
  const value = useMemo<SessionValue | null>(
    () =>
      workspace
        ? { me, workspace, canEdit: workspace.role !== 'viewer', isOwner: workspace.role === 'owner', isOperator: me.operator === true, switchWorkspace, signOut }
        : null,
    [me, workspace, switchWorkspace, signOut],
  );
  if (!value) return <>{props.children}</>;
  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}
