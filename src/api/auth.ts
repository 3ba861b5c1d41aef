// Who is calling: API tokens (Bearer, hashed at rest) and password sessions (cookie), and what
// they may do: a role per workspace — viewer reads, editor changes flows and connections, owner
// also manages members and tokens.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyRequest } from 'fastify';
import type { Principal, Role, Store } from '../store/types.ts';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export const SESSION_COOKIE = 'svyazka_session';
export const SESSION_DAYS = 14;
const ROLE_RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

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
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(expected, actual);
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
    return { userId: token.userId, tokenId: token.id, roles: new Map([[token.workspaceId, token.role]]) };
  }
  const sessionId = sessionIdOf(req);
  if (sessionId) {
    const userId = await store.findSessionUser(hashSecret(sessionId), Date.now());
    if (!userId) return null;
    return { userId, tokenId: null, roles: await store.rolesOfUser(userId) };
  }
  return null;
}

/**
 * The workspace a request acts in: the `X-Workspace` header (id or slug) when given, else the
 * principal's only workspace (tokens belong to one). A workspace the principal is not in is
 * reported as not found, never as forbidden, so ids of other tenants leak nothing.
 */
export async function workspaceFor(req: FastifyRequest, principal: Principal, store: Store, need: Role): Promise<string> {
  const requested = req.headers['x-workspace'];
  let workspaceId: string | undefined;
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

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
