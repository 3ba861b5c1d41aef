// The baselines: bare Fastify answering the same webhook request without storing it — reading
// the raw body only (MODE=intake), or parsing it as a stock Fastify app does with
// @fastify/formbody (MODE=intake-parse) — or making the same outgoing call inside the request
// (MODE=e2e, TARGET=url).
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { Pool } from 'undici';

const mode = process.env.MODE ?? 'intake';
const target = process.env.TARGET ? new Pool(process.env.TARGET, { connections: 128 }) : null;
const app = Fastify({ logger: false });
if (mode === 'intake-parse') await app.register(formbody);
else {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
}
let n = 0;
app.post('/hooks/:token', async () => {
  if (mode === 'e2e' && target) {
    const res = await target.request({ method: 'POST', path: '/hit', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
    await res.body.arrayBuffer();
  }
  return { ok: true, id: `wh_${++n}` };
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
