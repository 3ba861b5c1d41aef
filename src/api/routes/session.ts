// Sign in and out with a password (session cookie).
import { z } from 'zod';
import type { Services } from '../../app.ts';
import { hashSecret, newSessionId, SESSION_COOKIE, SESSION_DAYS, verifyPassword } from '../auth.ts';
import { ApiError, type ApiRouter } from '../router.ts';

export function registerSessionRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'POST', url: '/auth/login', summary: 'Sign in with email and password (sets a session cookie)', tag: 'auth', role: null,
    body: z.object({ email: z.string().email(), password: z.string().min(1) }),
    async handler({ body, reply }) {
      const user = await s.store.getUserByEmail(body.email);
      if (!user || !(await verifyPassword(body.password, user.passwordHash))) throw new ApiError(401, 'Wrong email or password');
      const sessionId = newSessionId();
      const expiresAt = Date.now() + SESSION_DAYS * 86_400_000;
      await s.store.createSession({ idHash: hashSecret(sessionId), userId: user.id, expiresAt });
      reply.header('set-cookie', `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_DAYS * 86400}`);
      return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
    },
  });
  api.add({
    method: 'POST', url: '/auth/logout', summary: 'End the session', tag: 'auth', role: 'authenticated',
    async handler({ req, reply }) {
      const cookie = /(?:^|;\s*)svyazka_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      if (cookie) await s.store.deleteSession(hashSecret(decodeURIComponent(cookie)));
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; Max-Age=0`);
      return { ok: true };
    },
  });

}
