// Serves the browser UI (web/dist, built by `npm run build:web`, which `npm ci` runs) at `/`.
// Paths that are not files get index.html, so the UI's own routes (/flows/…) load on refresh.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export async function registerWebUi(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  const built = existsSync(`${dist}index.html`);
  if (built) {
    // Bundles have content hashes in their names, so they are cached for good; index.html never.
    await app.register(fastifyStatic, {
      root: dist,
      prefix: '/',
      index: false,
      maxAge: '1y',
      immutable: true,
      setHeaders: (reply, path) => {
        if (path.endsWith('.html')) reply.header('cache-control', 'no-cache');
      },
    });
  }
  const page = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    if (!built) return reply.type('text/html; charset=utf-8').send(notBuiltPage());
    // index.html must not be cached: it names the hashed bundles of this build.
    return reply.sendFile('index.html', dist);
  };
  app.get('/', page);
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    if (req.method !== 'GET' || path.startsWith('/api/') || path.startsWith('/hooks/') || /\.[a-z0-9]+$/i.test(path)) {
      return reply.code(404).send({ error: 'not_found', message: `Route ${req.method} ${path} not found` });
    }
    return page(req, reply);
  });
}

function notBuiltPage(): string {
  return `<!doctype html><html lang="ru"><meta charset="utf-8"><title>Связка</title>
<body style="font-family:system-ui;max-width:40rem;margin:3rem auto">
<h1>Связка / Svyazka</h1>
<p>Сервер работает, но веб-интерфейс не собран. Выполните <code>npm run build:web</code> (его запускает <code>npm ci</code>) и обновите страницу.</p>
<p>The server is running, but the web UI is not built. Run <code>npm run build:web</code> (<code>npm ci</code> runs it) and reload.</p>
<ul><li><a href="/api/v1/openapi.json">API (OpenAPI)</a></li><li><a href="/healthz">/healthz</a></li></ul>
</body></html>`;
}
