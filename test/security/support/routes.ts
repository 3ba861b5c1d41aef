// Turns the app's route table into real requests: path params become ids of A's fixtures, query
// and body come from the route's zod schemas (a minimal accepted value) or, for the few routes
// that need real data, from the hand table below.
import type { Registered } from '../../../src/api/router.ts';
import { minimalQuery, minimalValue } from './schema-sample.ts';
import { PASSWORD, uniq, type Caller, type Fixtures, type Tenants } from './tenants.ts';

export type Route = Registered;

export const routeKey = (r: Pick<Route, 'method' | 'url'>) => `${r.method} ${r.url}`;

/** A path parameter resolved to a fixture: `tenant` ones belong to workspace A. */
interface ParamSource {
  tenant: boolean;
  fixture?: keyof Fixtures;
  value?: string;
  /** The throwaway kind a destructive request by an allowed caller gets instead. */
  spare?: keyof Tenants['spare'];
}

/** Path params by the resource segment before them (`/flows/:id` → flows). */
const PARAMS: Record<string, ParamSource> = {
  flows: { tenant: true, fixture: 'flow', spare: 'flow' },
  connections: { tenant: true, fixture: 'connection', spare: 'connection' },
  executions: { tenant: true, fixture: 'execution' },
  webhooks: { tenant: true, fixture: 'webhook' },
  tokens: { tenant: true, fixture: 'token', spare: 'token' },
  members: { tenant: true, fixture: 'member', spare: 'member' },
  invitations: { tenant: true, fixture: 'invitation', spare: 'invitation' },
  catalog: { tenant: false, value: 'http' },
  // Names, not ids: the same name in B is B's own variable.
  variables: { tenant: false, fixture: 'variable', spare: 'variable' },
  // The data store: names and keys, not ids — the same name in B is B's own collection.
  collections: { tenant: false, value: 'security-suite' },
  records: { tenant: false, value: 'k1' },
};

export interface HandEntry {
  body?: (t: Tenants, caller: Caller) => unknown;
  query?: Record<string, string>;
  /** The role the handler itself enforces when the route declares a looser one (and why). */
  enforces?: { role: string; operatorAnywhere: boolean; why: string };
  /** Answers an allowed caller may still get, with the reason (checked by the route, not the role). */
  refuses?: (caller: Caller) => { status: number[]; why: string } | undefined;
}

const usersOnly = (why: string) => (c: Caller) => (c.isUser ? undefined : { status: [403], why });

const flowNamed = (t: Tenants, name: string) => ({ ...t.flowDefinition, name });

/** Routes whose minimal schema value is not enough (needs real data) or whose rule is more than a role. */
export const HAND: Record<string, HandEntry> = {
  'POST /api/v1/auth/login': { body: () => ({ email: 'viewer-a@example.com', password: PASSWORD }) },
  'POST /api/v1/auth/password': {
    body: () => ({ currentPassword: PASSWORD, newPassword: PASSWORD }),
    refuses: usersOnly('an API token has no password'),
  },
  'POST /api/v1/workspaces': {
    body: () => ({ slug: uniq('ws').toLowerCase(), name: 'Security suite' }),
    refuses: (c) => (c.operator ? undefined : { status: [403], why: 'tokens never create workspaces; users only while the operator allows it' }),
  },
  'PUT /api/v1/members': { body: () => ({ email: `${uniq('new')}@example.com`, role: 'viewer', name: 'New', password: PASSWORD }) },
  'POST /api/v1/connections': { body: () => ({ name: uniq('conn'), connector: 'http', auth: {} }) },
  'PUT /api/v1/connections/:id': { body: (t) => ({ name: t.fixtures.connectionName, connector: 'http', auth: { baseUrl: 'http://127.0.0.1:9' } }) },
  'POST /api/v1/flows': { body: (t) => flowNamed(t, uniq('flow')) },
  'PUT /api/v1/flows/:id': { body: (t) => t.flowDefinition },
  'POST /api/v1/flows/import': { body: (t) => ({ text: JSON.stringify(flowNamed(t, uniq('import'))) }) },
  'POST /api/v1/flows/test-run': { body: (t) => ({ definition: t.flowDefinition, sample: { a: 1 } }) },
  'GET /api/v1/flows/:id/sample/wait': { query: { timeoutSec: '0' } },
  'PUT /api/v1/billing/plan': { body: (t) => ({ planId: t.app.services.plans.catalog.plans[0].id }) },
  'PUT /api/v1/variables/:name': { body: () => ({ value: 'plain value' }) },
  'PUT /api/v1/collections/:name/records/:key': { body: () => ({ value: { dealId: 1 } }) },
  'POST /api/v1/invitations': { body: () => ({ email: `${uniq('invitee')}@example.com`, role: 'viewer' }) },
  'GET /api/v1/invitations/mine': { refuses: usersOnly('invitations are for signed-in users') },
  'POST /api/v1/invitations/:id/accept': { refuses: usersOnly('invitations are for signed-in users') },
  'POST /api/v1/invitations/:id/decline': { refuses: usersOnly('invitations are for signed-in users') },
  'GET /api/v1/audit': { enforces: { role: 'owner', operatorAnywhere: true, why: "owners read their workspace's log, the operator every one" } },
  'POST /api/v1/balance/adjust': { body: () => ({ amountKopecks: 1, reason: 'security suite' }) },
};

export interface BuiltRequest {
  method: string;
  path: string;
  body: unknown;
  /** Path params that name a record of workspace A. */
  tenantParams: string[];
}

/** The params a route's URL names, each with its source; throws for a param nobody mapped. */
export function paramsOf(route: Route): Array<{ name: string; source: ParamSource }> {
  const parts = route.url.split('/');
  const out: Array<{ name: string; source: ParamSource }> = [];
  parts.forEach((part, i) => {
    if (!part.startsWith(':')) return;
    const source = PARAMS[parts[i - 1]];
    if (!source) throw new Error(`No fixture for ${part} in ${routeKey(route)}: add its resource to PARAMS in test/security/support/routes.ts`);
    out.push({ name: part.slice(1), source });
  });
  return out;
}

export function hasTenantParam(route: Route): boolean {
  return paramsOf(route).some((p) => p.source.tenant);
}

/** Why a route cannot be requested from its schemas alone, or undefined when it can. */
export function unbuildable(route: Route): string | undefined {
  const hand = HAND[routeKey(route)];
  if (!hand?.body && route.body && !minimalValue(route.body)) return 'no minimal body from its schema: add a hand body to HAND';
  if (!hand?.query && route.query && !minimalQuery(route.query)) return 'no minimal query from its schema: add a hand query to HAND';
  return undefined;
}

/** The request a caller makes to a route; `spare` swaps destructive targets for throwaway records. */
export async function buildRequest(t: Tenants, route: Route, caller: Caller, opts: { spare: boolean }): Promise<BuiltRequest> {
  const hand = HAND[routeKey(route)];
  let path = route.url;
  const tenantParams: string[] = [];
  for (const { name, source } of paramsOf(route)) {
    let value = source.value ?? t.fixtures[source.fixture!];
    if (opts.spare && source.spare && route.method === 'DELETE') value = await t.spare[source.spare]();
    if (source.tenant) tenantParams.push(name);
    path = path.replace(`:${name}`, encodeURIComponent(value));
  }
  const query = hand?.query ?? minimalQuery(route.query) ?? {};
  const qs = new URLSearchParams(query).toString();
  const body = hand?.body ? hand.body(t, caller) : minimalValue(route.body)?.value;
  return { method: route.method, path: qs ? `${path}?${qs}` : path, body, tenantParams };
}

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

export async function send(baseUrl: string, req: { method: string; path: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + req.path, {
    method: req.method,
    headers,
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
    redirect: 'manual',
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
