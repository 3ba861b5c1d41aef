// Sign in and out with a password (session cookie), who am I, and changing one's password.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { emailAddress } from '../../lib/email.ts';
import { checkSignIn, hashPassword, hashSecret, newSessionId, SESSION_COOKIE, SESSION_DAYS, sessionIdOf, verifyPassword } from '../auth.ts';
import { ApiError, type ApiRouter } from '../router.ts';
import { pendingInvitationCount } from './invitations.ts';

export function registerSessionRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'POST', url: '/auth/login', summary: 'Sign in with email and password (sets a session cookie); any name@host address, admin@localhost too', tag: 'auth', role: null,
    audit: { exempt: 'signing in changes nothing a workspace owns' },
    body: z.object({ email: emailAddress, password: z.string().min(1).max(1000) }),
    async handler({ req, body, reply }) {
      const attempt = { ip: req.ip, email: body.email };
      const verdict = await s.signInThrottle.begin(attempt);
      if (!verdict.allowed) {
        const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        reply.code(429).header('retry-after', String(seconds));
        return reply.send({
          error: 'too_many_requests',
          message: `Слишком много попыток входа, повторите через ${seconds} с / Too many sign-in attempts, try again in ${seconds} s`,
          retryAfter: seconds,
        });
      }
      // Unknown email and wrong password: the same scrypt work, status and words.
      const user = await s.store.getUserByEmail(body.email);
      if (!(await checkSignIn(body.password, user)) || !user) throw new ApiError(401, 'Неверный email или пароль / Wrong email or password');
      await s.signInThrottle.succeeded(attempt);
      const sessionId = newSessionId();
      const expiresAt = Date.now() + SESSION_DAYS * 86_400_000;
      await s.store.createSession({ idHash: hashSecret(sessionId), userId: user.id, expiresAt });
      reply.header('set-cookie', sessionCookie(sessionId, SESSION_DAYS * 86400, s.config.publicUrl));
      return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
    },
  });
  api.add({
    method: 'POST', url: '/auth/logout', summary: 'End the session', tag: 'auth', role: 'authenticated',
    audit: { exempt: 'signing out changes nothing a workspace owns' },
    async handler({ req, reply }) {
      const sessionId = sessionIdOf(req);
      if (sessionId) await s.store.deleteSession(hashSecret(sessionId));
      reply.header('set-cookie', sessionCookie('', 0, s.config.publicUrl));
      return { ok: true };
    },
  });
  api.add({
    method: 'GET', url: '/auth/me', summary: 'Who is signed in (user is null for an API token without one), whether they are the instance operator, their workspaces with role, time zone and language, and how many invitations wait for them', tag: 'auth', role: 'authenticated',
    async handler({ principal }) {
      const user = principal.userId ? await s.store.getUser(principal.userId) : undefined;
      const workspaces = await s.store.listWorkspaces([...principal.roles.keys()]);
      return {
        user: user ? { id: user.id, email: user.email, name: user.name } : null,
        workspaces: workspaces.map((w) => ({ id: w.id, slug: w.slug, name: w.name, role: principal.roles.get(w.id), timezone: w.timezone, locale: w.locale })),
        operator: principal.operator,
        invitations: await pendingInvitationCount(s, principal),
      };
    },
  });
  api.add({
    method: 'POST', url: '/auth/password', summary: "Change your password (the current one is checked); your other sessions end", tag: 'auth', role: 'authenticated',
    audit: { action: 'user.password', target: (c) => ({ type: 'user', id: c.principal.userId }), workspace: () => null },
    body: z.object({
      currentPassword: z.string().min(1),
      newPassword: z.string().min(8, 'at least 8 characters / не короче 8 символов').max(1000),
    }),
    async handler({ req, body, principal }) {
      const user = principal.userId ? await s.store.getUser(principal.userId) : undefined;
      if (!user) throw new ApiError(403, 'Only a user has a password; this API token has none');
      if (!(await verifyPassword(body.currentPassword, user.passwordHash))) {
        const message = 'Текущий пароль неверен / The current password is wrong';
        throw new ApiError(400, message, [{ path: 'body.currentPassword', message }]);
      }
      await s.store.setUserPassword(user.id, await hashPassword(body.newPassword));
      const sessionId = sessionIdOf(req);
      await s.store.deleteUserSessions(user.id, sessionId ? hashSecret(sessionId) : null);
      return { ok: true };
    },
  });
}

/** HttpOnly, SameSite=Lax, Path=/; Secure when the public address is https (a proxy ends TLS). */
export function sessionCookie(value: string, maxAgeSeconds: number, publicUrl: string): string {
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}
