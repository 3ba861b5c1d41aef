// Every declared API route × every kind of caller, generated from the route table, so routes
// added later are covered without touching this file. Denied callers get exactly 401 (nobody),
// 403 (a role too low in their own workspace) or 404 (another workspace, its ids or its name):
// never 2xx, never 5xx. Allowed callers never get 401/403 (unless the hand table says why).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Role } from '../../src/store/types.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildRequest, HAND, hasTenantParam, routeKey, send, unbuildable, type Route } from './support/routes.ts';
import { setupTenants, type Caller, type Tenants } from './support/tenants.ts';

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

/** Routes left out of the matrix, each with its reason. None today. */
const SKIP: Record<string, string> = {};

/**
 * The least role each route had when this suite was written: lowering a declared role (the matrix
 * alone would just follow it) fails here until this table is changed on purpose. New routes are
 * not pinned (the matrix still checks their enforcement against their declaration).
 */
const PINNED: Record<string, string> = {
  'POST /api/v1/auth/logout': 'authenticated', 'GET /api/v1/auth/me': 'authenticated', 'POST /api/v1/auth/password': 'authenticated',
  'GET /api/v1/workspaces': 'authenticated', 'POST /api/v1/workspaces': 'authenticated', 'GET /api/v1/catalog': 'authenticated', 'GET /api/v1/catalog/:connector': 'authenticated',
  'GET /api/v1/workspace': 'viewer', 'GET /api/v1/members': 'viewer', 'GET /api/v1/connections': 'viewer', 'GET /api/v1/connections/:id': 'viewer',
  'GET /api/v1/flows': 'viewer', 'GET /api/v1/flows/:id': 'viewer', 'GET /api/v1/flows/:id/export': 'viewer', 'GET /api/v1/flows/:id/fields': 'viewer',
  'GET /api/v1/flows/:id/sample/wait': 'viewer', 'GET /api/v1/executions': 'viewer', 'GET /api/v1/executions/:id': 'viewer', 'GET /api/v1/webhooks': 'viewer',
  'GET /api/v1/webhooks/:id': 'viewer', 'GET /api/v1/usage': 'viewer', 'GET /api/v1/balance': 'viewer', 'GET /api/v1/notifications': 'viewer', 'GET /api/v1/templates': 'viewer',
  'POST /api/v1/connections': 'editor', 'PUT /api/v1/connections/:id': 'editor', 'PATCH /api/v1/connections/:id': 'editor', 'DELETE /api/v1/connections/:id': 'editor',
  'POST /api/v1/connections/:id/test': 'editor', 'POST /api/v1/flows/test-run': 'editor', 'POST /api/v1/flows/:id/sample/poll': 'editor', 'POST /api/v1/flows': 'editor',
  'POST /api/v1/flows/import': 'editor', 'PUT /api/v1/flows/:id': 'editor', 'POST /api/v1/flows/:id/enable': 'editor', 'POST /api/v1/flows/:id/disable': 'editor',
  'DELETE /api/v1/flows/:id': 'editor', 'POST /api/v1/executions/:id/retry': 'editor', 'POST /api/v1/executions/:id/cancel': 'editor', 'POST /api/v1/webhooks/:id/replay': 'editor',
  'PATCH /api/v1/workspace': 'owner', 'PUT /api/v1/members': 'owner', 'DELETE /api/v1/members/:userId': 'owner', 'GET /api/v1/tokens': 'owner', 'POST /api/v1/tokens': 'owner',
  'DELETE /api/v1/tokens/:id': 'owner',
  'PUT /api/v1/billing/plan': 'operator', 'POST /api/v1/balance/top-up': 'operator', 'POST /api/v1/balance/adjust': 'operator',
  'GET /api/v1/variables': 'viewer', 'PUT /api/v1/variables/:name': 'editor', 'DELETE /api/v1/variables/:name': 'editor',
  'POST /api/v1/invitations': 'owner', 'GET /api/v1/invitations': 'owner', 'DELETE /api/v1/invitations/:id': 'owner',
  'GET /api/v1/invitations/mine': 'authenticated', 'POST /api/v1/invitations/:id/accept': 'authenticated', 'POST /api/v1/invitations/:id/decline': 'authenticated',
  'GET /api/v1/operator/workspaces': 'operator', 'GET /api/v1/operator/operators': 'operator', 'GET /api/v1/operator/settings': 'operator', 'PATCH /api/v1/operator/settings': 'operator',
  // Declared 'authenticated'; the handler enforces owner (or operator): see HAND.
  'GET /api/v1/audit': 'authenticated',
};
const LEVEL: Record<string, number> = { public: 0, authenticated: 1, viewer: 2, editor: 3, owner: 4, operator: 5 };

let app: TestApp;
let t: Tenants;
let routes: Route[];

before(async () => {
  app = await startTestApp();
  t = await setupTenants(app);
  routes = app.server.apiRoutes();
});
after(() => app.close());

type Expectation = { allow: true } | { allow: false; status: number[]; why: string };

/** What the declared role says this caller gets on this route. */
export function expected(route: Route, caller: Caller): Expectation {
  const enforced = HAND[routeKey(route)]?.enforces;
  if (enforced?.operatorAnywhere && caller.operator) return { allow: true };
  const need = enforced?.role ?? (route.role as string | null);
  if (need === null) return { allow: true };
  if (caller.scope === 'none') return { allow: false, status: [401], why: 'no valid principal' };
  if (need === 'authenticated') return { allow: true };
  if (need === 'operator') {
    if (caller.operator) return { allow: true };
    return { allow: false, status: caller.scope === 'naming-A' ? [403, 404] : [403], why: 'operators only' };
  }
  // An operator's flag opens operator routes only; workspace routes go by membership like anyone's.
  if (caller.scope === 'naming-A') return { allow: false, status: [404], why: 'names a workspace it is not in' };
  if (caller.scope === 'B-own' && hasTenantParam(route)) return { allow: false, status: [404], why: "another workspace's id" };
  const rank = RANK[caller.role!];
  const needRank = RANK[need as Role];
  assert.ok(needRank, `${routeKey(route)}: unknown role level "${need}" — teach the matrix its rule`);
  return rank >= needRank ? { allow: true } : { allow: false, status: [403], why: `${caller.role} < ${need}` };
}

test('every route can be requested from its schemas or the hand table', () => {
  assert.ok(routes.length >= 50, `the route table has ${routes.length} routes`);
  const problems = routes.map((r) => [routeKey(r), unbuildable(r)]).filter(([, why]) => why);
  assert.deepEqual(problems, []);
  for (const key of Object.keys(HAND)) assert.ok(routes.some((r) => routeKey(r) === key), `HAND names a route that does not exist: ${key}`);
  for (const key of Object.keys(SKIP)) assert.ok(routes.some((r) => routeKey(r) === key), `SKIP names a route that does not exist: ${key}`);
});

test('no pinned route declares a lower role than it had', (ctx) => {
  const lowered: string[] = [];
  for (const route of routes) {
    const pinned = PINNED[routeKey(route)];
    const declared = route.role ?? 'public';
    if (pinned && LEVEL[declared] < LEVEL[pinned]) lowered.push(`${routeKey(route)}: ${pinned} → ${declared}`);
  }
  const unpinned = routes.filter((r) => !PINNED[routeKey(r)] && r.role !== null).map(routeKey);
  if (unpinned.length) ctx.diagnostic(`not pinned (newer routes): ${unpinned.join(', ')}`);
  assert.deepEqual(lowered, []);
});

test('role matrix: every route × every caller gets what its declared role allows', async (ctx) => {
  const failures: string[] = [];
  const probes = new Map<string, { total: number; crossTenant: number }>();
  let allowed = 0;
  let denied = 0;
  let allowed2xx = 0;
  for (const route of routes) {
    const key = routeKey(route);
    if (SKIP[key]) continue;
    const counted = { total: 0, crossTenant: 0 };
    probes.set(key, counted);
    for (const caller of t.callers) {
      const want = expected(route, caller);
      const req = await buildRequest(t, route, caller, { spare: want.allow });
      const res = await send(app.url, { ...req, headers: await caller.headers() });
      counted.total++;
      if (caller.scope === 'B-own' && req.tenantParams.length > 0) counted.crossTenant++;
      if (caller.scope === 'naming-A') counted.crossTenant++;
      const where = `${key} as ${caller.name} → ${res.status} ${res.text.slice(0, 200)}`;
      if (res.status >= 500) failures.push(`5xx: ${where}`);
      if (want.allow) {
        allowed++;
        if (res.status < 300) allowed2xx++;
        const refusal = HAND[key]?.refuses?.(caller);
        if ((res.status === 401 || res.status === 403) && !refusal?.status.includes(res.status)) failures.push(`allowed but refused: ${where}`);
      } else {
        denied++;
        if (!want.status.includes(res.status)) failures.push(`denied (${want.why}) expects ${want.status.join('/')}: ${where}`);
      }
    }
  }
  ctx.diagnostic(`matrix: ${routes.length} routes × ${t.callers.length} callers = ${allowed + denied} requests (${allowed} allowed, ${allowed2xx} of them 2xx; ${denied} denied)`);
  ctx.diagnostic(`callers: ${t.callers.map((c) => c.name).join(', ')}`);
  assert.deepEqual(failures, []);

  // No route silently skipped, and cross-tenant probes on every route that names a record.
  for (const route of routes) {
    const key = routeKey(route);
    if (SKIP[key]) continue;
    const counted = probes.get(key);
    assert.equal(counted?.total, t.callers.length, `${key} was not requested by every caller`);
    if (hasTenantParam(route)) assert.ok(counted.crossTenant >= 4, `${key}: only ${counted.crossTenant} cross-tenant probes`);
  }
  // Allowed callers mostly succeed outright (a matrix of 400s would prove little about handlers).
  assert.ok(allowed2xx >= allowed * 0.7, `only ${allowed2xx} of ${allowed} allowed requests succeeded`);
});

test("denied requests changed nothing: A's records are all still there", async () => {
  const get = async (path: string) => (await send(app.url, { method: 'GET', path, headers: { authorization: `Bearer ${t.ownerTokenA}`, 'x-workspace': t.a.id } }));
  const f = t.fixtures;
  for (const path of [`/api/v1/flows/${f.flow}`, `/api/v1/connections/${f.connection}`, `/api/v1/executions/${f.execution}`, `/api/v1/webhooks/${f.webhook}`]) {
    assert.equal((await get(path)).status, 200, path);
  }
  assert.ok((await get('/api/v1/tokens')).text.includes(f.token), 'the spare token still works');
  assert.ok((await get('/api/v1/members')).text.includes(f.member), 'the spare member is still a member');
});
