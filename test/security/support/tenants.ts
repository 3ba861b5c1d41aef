// Two workspaces (A and B) on one running app, with real records in A (a connection, a flow, a
// webhook and its execution, a spare API token, a spare member) and every kind of caller the
// access rules know: anonymous, tokens and sessions of each role in A, owners of B, a revoked
// token, broken and expired cookies, and an operator when the build has one.
import assert from 'node:assert/strict';
import { hashPassword, hashSecret, newApiToken, newSessionId, SESSION_COOKIE } from '../../../src/api/auth.ts';
import type { Role } from '../../../src/store/types.ts';
import { waitFor, type TestApp } from '../../support/app.ts';

export const PASSWORD = 'security-suite-password-1';

export type Scope =
  /** acts in A, naming it in X-Workspace */
  | 'A'
  /** an owner of B acting in B, using A's ids */
  | 'B-own'
  /** not a member of A (an owner of B, an operator) naming A in X-Workspace */
  | 'naming-A'
  /** no valid principal */
  | 'none';

export interface Caller {
  name: string;
  scope: Scope;
  /** The role in the workspace it acts in (null: none). */
  role: Role | null;
  operator: boolean;
  /** A user (session cookie) rather than an API token. */
  isUser: boolean;
  /** Headers for one request (sessions are minted fresh per request, so logout cannot spoil the next one). */
  headers(): Promise<Record<string, string>>;
}

export interface Fixtures {
  connection: string;
  connectionName: string;
  flow: string;
  hookToken: string;
  webhook: string;
  execution: string;
  token: string;
  member: string;
  /** A variable's name (when this build has variables). */
  variable: string;
  /** A pending invitation into A for an address none of the callers has (when this build has them). */
  invitation: string;
}

export interface Tenants {
  app: TestApp;
  a: { id: string; slug: string };
  b: { id: string; slug: string };
  /** Owner token of A, for setup and checks. */
  ownerTokenA: string;
  fixtures: Fixtures;
  /** The flow definition of fixtures.flow (a valid PUT body). */
  flowDefinition: Record<string, unknown>;
  callers: Caller[];
  /** Throwaway records of A, for requests that would destroy a fixture. */
  spare: {
    flow(): Promise<string>;
    connection(): Promise<string>;
    token(): Promise<string>;
    member(): Promise<string>;
    variable(): Promise<string>;
    invitation(): Promise<string>;
  };
  /** Users by email (all with PASSWORD). */
  users: Map<string, string>;
}

let unique = 0;
export const uniq = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++unique}`;

export async function setupTenants(app: TestApp): Promise<Tenants> {
  const s = app.services;
  const store = s.store;
  const wsA = await store.ensureWorkspace('sec-a', 'Security A');
  const wsB = await store.ensureWorkspace('sec-b', 'Security B');
  const users = new Map<string, string>();
  const passwordHash = await hashPassword(PASSWORD);

  const token = async (workspaceId: string, role: Role, userId: string | null = null) => {
    const secret = newApiToken();
    const saved = await store.createApiToken({ workspaceId, userId, role, name: uniq('sec'), tokenHash: hashSecret(secret) });
    return { secret, id: saved.id };
  };
  const user = async (email: string, memberships: Array<[string, Role]>) => {
    const u = await store.createUser({ email, name: email, passwordHash });
    for (const [ws, role] of memberships) await store.setMember(ws, u.id, role);
    users.set(email, u.id);
    return u.id;
  };
  const session = async (userId: string, expiresAt = Date.now() + 3_600_000) => {
    const id = newSessionId();
    await store.createSession({ idHash: hashSecret(id), userId, expiresAt });
    return id;
  };

  const ownerUserA = await user('owner-a@example.com', [[wsA.id, 'owner']]);
  const editorUserA = await user('editor-a@example.com', [[wsA.id, 'editor']]);
  const viewerUserA = await user('viewer-a@example.com', [[wsA.id, 'viewer']]);
  const ownerUserB = await user('owner-b@example.com', [[wsB.id, 'owner']]);
  const spareMember = await user('member-a@example.com', [[wsA.id, 'viewer']]);
  const ownerA = await token(wsA.id, 'owner', ownerUserA);
  const editorA = await token(wsA.id, 'editor');
  const viewerA = await token(wsA.id, 'viewer');
  const ownerB = await token(wsB.id, 'owner');
  const revoked = await token(wsA.id, 'owner');
  assert.ok(await store.revokeApiToken(wsA.id, revoked.id, Date.now()));
  const spareToken = await token(wsA.id, 'viewer');
  const expiredSession = await session(ownerUserA, Date.now() - 1000);

  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    app.api(path, { ...init, token: ownerA.secret, headers: { 'x-workspace': wsA.id } });
  const created = async (path: string, body: unknown) => {
    const res = await api(path, { body });
    assert.ok(res.status === 200 || res.status === 201, `${path} → ${res.status} ${JSON.stringify(res.json)}`);
    return res.json as { id: string; webhookUrl?: string };
  };

  const connectionName = 'sec-http';
  const connection = await created('/api/v1/connections', { name: connectionName, connector: 'http', auth: { baseUrl: 'http://127.0.0.1:9' } });
  const flowDefinition = {
    name: 'sec-flow',
    enabled: true,
    trigger: { connector: 'webhook', event: 'incoming' },
    steps: [{ id: 'v', type: 'set', values: { a: '{{trigger.a}}' } }],
  };
  const flow = await created('/api/v1/flows', flowDefinition);
  const hookToken = new URL(flow.webhookUrl!).pathname.split('/').pop()!;
  const hook = await fetch(`${app.url}/hooks/${hookToken}`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
  assert.equal(hook.status, 200);
  const webhook = ((await hook.json()) as { id: string }).id;
  const execution = await waitFor(async () => (await api(`/api/v1/executions?webhookId=${webhook}`)).json.items?.[0]?.id as string | undefined, 15_000, 'the fixture execution');

  const variable = 'SEC_VAR';
  const hasVariables = app.server.apiRoutes().some((r) => r.method === 'PUT' && r.url === '/api/v1/variables/:name');
  const putVariable = async (name: string) => {
    const res = await api(`/api/v1/variables/${name}`, { method: 'PUT', body: { value: 'plain value' } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return name;
  };
  if (hasVariables) await putVariable(variable);
  const hasInvitations = app.server.apiRoutes().some((r) => r.method === 'POST' && r.url === '/api/v1/invitations');
  const invite = async (email: string) => {
    const res = await api('/api/v1/invitations', { body: { email, role: 'viewer' } });
    assert.ok(res.status < 300, JSON.stringify(res.json));
    return res.json.invitation.id as string;
  };
  const invitation = hasInvitations ? await invite('invitee@example.com') : 'inv_none';

  const asUser = (name: string, userId: string, scope: Scope, role: Role | null, workspace: string | null): Caller => ({
    name,
    scope,
    role,
    operator: false,
    isUser: true,
    headers: async () => ({ cookie: `${SESSION_COOKIE}=${await session(userId)}`, ...(workspace ? { 'x-workspace': workspace } : {}) }),
  });
  const asToken = (name: string, secret: string, scope: Scope, role: Role | null, workspace: string | null): Caller => ({
    name,
    scope,
    role,
    operator: false,
    isUser: false,
    headers: async () => ({ authorization: `Bearer ${secret}`, ...(workspace ? { 'x-workspace': workspace } : {}) }),
  });
  const nobody = (name: string, headers: Record<string, string>): Caller => ({
    name,
    scope: 'none',
    role: null,
    operator: false,
    isUser: false,
    headers: async () => ({ 'x-workspace': wsA.id, ...headers }),
  });

  const callers: Caller[] = [
    { name: 'anonymous', scope: 'none', role: null, operator: false, isUser: false, headers: async () => ({}) },
    asToken('viewer token A', viewerA.secret, 'A', 'viewer', wsA.id),
    asToken('editor token A', editorA.secret, 'A', 'editor', wsA.id),
    asToken('owner token A', ownerA.secret, 'A', 'owner', wsA.id),
    asUser('viewer session A', viewerUserA, 'A', 'viewer', wsA.id),
    asUser('editor session A', editorUserA, 'A', 'editor', wsA.id),
    asUser('owner session A', ownerUserA, 'A', 'owner', wsA.slug),
    asToken('owner token B on A ids', ownerB.secret, 'B-own', 'owner', wsB.id),
    asUser('owner session B on A ids', ownerUserB, 'B-own', 'owner', null),
    asToken('owner token B naming A', ownerB.secret, 'naming-A', null, wsA.id),
    asUser('owner session B naming A', ownerUserB, 'naming-A', null, wsA.slug),
    nobody('revoked token', { authorization: `Bearer ${revoked.secret}` }),
    nobody('made-up token', { authorization: `Bearer ${newApiToken()}` }),
    nobody('junk authorization', { authorization: 'Basic Og==' }),
    nobody('expired session', { cookie: `${SESSION_COOKIE}=${expiredSession}` }),
    nobody('unknown session', { cookie: `${SESSION_COOKIE}=${newSessionId()}` }),
    nobody('malformed cookie', { cookie: `${SESSION_COOKIE}=%E0%A4%A` }),
  ];
  callers.push(...(await makeOperators(app, users, passwordHash, session, { id: wsA.id, slug: wsA.slug })));

  return {
    app,
    a: { id: wsA.id, slug: wsA.slug },
    b: { id: wsB.id, slug: wsB.slug },
    ownerTokenA: ownerA.secret,
    fixtures: { connection: connection.id, connectionName, flow: flow.id, hookToken, webhook, execution, token: spareToken.id, member: spareMember, variable, invitation },
    flowDefinition,
    callers,
    users,
    spare: {
      flow: async () => (await created('/api/v1/flows', { ...flowDefinition, name: uniq('spare-flow'), steps: [] })).id,
      connection: async () => (await created('/api/v1/connections', { name: uniq('spare-conn'), connector: 'http', auth: {} })).id,
      token: async () => (await token(wsA.id, 'viewer')).id,
      member: async () => user(`${uniq('spare')}@example.com`, [[wsA.id, 'viewer']]),
      invitation: async () => invite(`${uniq('invitee')}@example.com`),
      variable: async () => putVariable(uniq('SPARE').replace(/-/g, '_')),
    },
  };
}

/**
 * Operators (an instance-wide flag on a user): one also an owner of A, one in no workspace who
 * names A. None while this build's store cannot flag one.
 */
async function makeOperators(
  app: TestApp,
  users: Map<string, string>,
  passwordHash: string,
  session: (userId: string) => Promise<string>,
  a: { id: string; slug: string },
): Promise<Caller[]> {
  const store = app.services.store;
  const access = (store as { access?: { addOperator?(userId: string, now: number): Promise<void> } }).access;
  if (typeof access?.addOperator !== 'function') return [];
  const operator = async (email: string, memberOfA: boolean): Promise<Caller> => {
    const u = await store.createUser({ email, name: email, passwordHash });
    if (memberOfA) await store.setMember(a.id, u.id, 'owner');
    await access.addOperator!(u.id, Date.now());
    users.set(email, u.id);
    return {
      name: memberOfA ? 'operator owning A' : 'operator naming A',
      scope: memberOfA ? 'A' : 'naming-A',
      role: memberOfA ? 'owner' : null,
      operator: true,
      isUser: true,
      headers: async () => ({ cookie: `${SESSION_COOKIE}=${await session(u.id)}`, 'x-workspace': memberOfA ? a.id : a.slug }),
    };
  };
  return [await operator('operator-a@example.com', true), await operator('operator@example.com', false)];
}
