// Who is calling: API tokens (Bearer, hashed at rest) and password sessions (cookie), and what
// they may do: a role per workspace — viewer reads, editor changes flows and connections, owner
// also manages members and tokens — and, for signed-in users only, the instance operator role.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyRequest } from 'fastify';
import type { Principal, Role, Store } from '../store/types.ts';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export const SESSION_COOKIE = 'svyazka_session';
export const SESSION_DAYS = 14;
export const ROLE_RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

export async function hashPassword(password: string): Promise<string> {
  if (password.length < 8) throw new Error('Password must be at least 8 characters');
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  scryptWork += cost.N * cost.r * cost.p;
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { ...cost, maxmem: SCRYPT.maxmem });
  return timingSafeEqual(expected, actual);
}

/**
 * A stored-hash look-alike nobody's password matches (random salt and key, today's cost), so
 * signing in as an unknown email runs the same scrypt as a wrong password for a known one.
 */
const NO_USER_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;

/** Checks a sign-in: the same work whether or not the email belongs to a user. */
export async function checkSignIn(password: string, user: { passwordHash: string } | undefined): Promise<boolean> {
  const ok = await verifyPassword(password, user?.passwordHash ?? NO_USER_HASH);
  return ok && user !== undefined;
}

let scryptWork = 0;
/** Total scrypt cost (N·r·p summed) spent verifying passwords in this process; tests compare it. */
export function passwordWorkDone(): number {
  return scryptWork;
}

/** High-entropy secrets (API tokens, session ids) need no slow hash: SHA-256 is enough. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newApiToken(): string {
  return `svz_${randomBytes(32).toString('base64url')}`;
}

export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export class AuthError extends Error {
  readonly statusCode: 401 | 403 | 404;
  constructor(message: string, statusCode: 401 | 403 | 404) {
    super(message);
    this.name = 'AuthError';
    this.statusCode = statusCode;
  }
}

export async function resolvePrincipal(req: FastifyRequest, store: Store): Promise<Principal | null> {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const token = await store.findApiToken(hashSecret(header.slice(7).trim()));
    if (!token) return null;
    // A token never carries the operator role, even one made by an operator: it acts in its workspace only.
    return { userId: token.userId, tokenId: token.id, roles: new Map([[token.workspaceId, token.role]]), operator: false };
  }
  const sessionId = sessionIdOf(req);
  if (sessionId) {
    const userId = await store.findSessionUser(hashSecret(sessionId), Date.now());
    if (!userId) return null;
    return { userId, tokenId: null, roles: await store.rolesOfUser(userId), operator: await store.access.isOperator(userId) };
  }
  return null;
}

/**
 * The workspace a request acts in: the `X-Workspace` header (id or slug) when given, else the
 * principal's only workspace (tokens belong to one). A workspace the principal is not in is
 * reported as not found, never as forbidden, so ids of other tenants leak nothing.
 */
export async function workspaceFor(req: FastifyRequest, principal: Principal, store: Store, need: Role | 'operator'): Promise<string> {
  const requested = req.headers['x-workspace'];
  let workspaceId: string | undefined;
  if (need === 'operator') {
    // The operator acts on any workspace, member or not; everyone else is told it needs the operator.
    if (!principal.operator) throw new AuthError('Only an operator of this Svyazka instance may do this', 403);
    if (typeof requested === 'string' && requested) {
      workspaceId = (await store.getWorkspace(requested))?.id ?? (await store.getWorkspaceBySlug(requested))?.id;
      if (!workspaceId) throw new AuthError('Workspace not found', 404);
      return workspaceId;
    }
    if (principal.roles.size === 1) return principal.roles.keys().next().value!;
    throw new AuthError('Name the workspace in the X-Workspace header', 404);
  }
  if (typeof requested === 'string' && requested) {
    workspaceId = principal.roles.has(requested) ? requested : (await store.getWorkspaceBySlug(requested))?.id;
    if (!workspaceId || !principal.roles.has(workspaceId)) throw new AuthError('Workspace not found', 404);
  } else if (principal.roles.size === 1) {
    workspaceId = principal.roles.keys().next().value!;
  } else {
    throw new AuthError('Several workspaces are available: name one in the X-Workspace header', 404);
  }
  const role = principal.roles.get(workspaceId)!;
  if (ROLE_RANK[role] < ROLE_RANK[need]) throw new AuthError(`This needs the ${need} role; you are ${role}`, 403);
  return workspaceId;
}

/** The session id the request's cookie carries (the secret; store only its hash). */
export function sessionIdOf(req: FastifyRequest): string | undefined {
  return readCookie(req.headers.cookie, SESSION_COOKIE);
}

/** A cookie's value; a value that is not valid percent-encoding counts as absent (no session). */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
