// Acting as the instance operator in a test: a user with the operator role, signed in with a
// session cookie (API tokens never carry the operator role).
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/api/auth.ts';
import type { TestApp } from './app.ts';

export type CallInit = { method?: string; body?: unknown; workspace?: string };
export type Call = (path: string, init?: CallInit) => Promise<{ status: number; json: any }>;

/** Signs in with a password; returns the session cookie (name=value). */
export async function signIn(app: TestApp, email: string, password: string): Promise<string> {
  const res = await fetch(`${app.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  assert.equal(res.status, 200, await res.text());
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** A caller with this session cookie (and X-Workspace when given). */
export function sessionCaller(app: TestApp, cookie: string): Call {
  return async (path, init = {}) => {
    const res = await fetch(app.url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        cookie,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.workspace ? { 'x-workspace': init.workspace } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, json };
  };
}

/** A user (created once per app) who is an operator, signed in; member of no workspace unless `memberOf`. */
export async function asOperator(app: TestApp, opts: { email?: string; memberOf?: string } = {}): Promise<Call> {
  const email = opts.email ?? 'operator@localhost';
  const password = 'operator-password';
  const store = app.services.store;
  const user = (await store.getUserByEmail(email)) ?? (await store.createUser({ email, name: 'Operator', passwordHash: await hashPassword(password) }));
  await store.access.addOperator(user.id, Date.now());
  if (opts.memberOf) await store.setMember(opts.memberOf, user.id, 'owner');
  return sessionCaller(app, await signIn(app, email, password));
}
