// Headers every answer carries (API, /hooks, the web UI, health, errors and 404s alike), set in
// one onSend hook so no route can forget them. The policy fits the built UI (web/dist): scripts
// and styles only from this origin, except inline styles — Mantine writes style attributes and
// injects <style> elements for its CSS variables — and data: images; no framing, no plugins.
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(opts: { publicUrl: string }): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'cross-origin-opener-policy': 'same-origin',
  };
  // Only when browsers reach us over https; over plain http the header is ignored anyway, and
  // a wrong https promise would lock users out of a local install.
  if (opts.publicUrl.startsWith('https:')) headers['strict-transport-security'] = 'max-age=31536000';
  return headers;
}

/** Adds the security headers and `X-Request-Id` (the id log lines of this request carry) to every answer. */
export function registerSecurityHeaders(app: FastifyInstance, opts: { publicUrl: string }): void {
  const headers = securityHeaders(opts);
  // A callback hook, not an async one: no promise per answer (every webhook comes through here).
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.headers(headers);
    reply.header('x-request-id', req.id);
    done(null, payload);
  });
}
