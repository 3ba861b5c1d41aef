// The baselines: bare Fastify answering the same webhook request without storing it — reading
// the raw body only (MODE=intake), or parsing it as a stock Fastify app does with
// @fastify/formbody (MODE=intake-parse) — or making the same outgoing call inside the request
// (MODE=e2e, TARGET=url), or — the JSON workload of issue 14 — parsing a JSON order and POSTing
// the same 9 mapped fields as bench/e2e's flow inside the request, nothing stored (MODE=e2e-json).
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { Pool } from 'undici';

const mode = process.env.MODE ?? 'intake';
const target = process.env.TARGET ? new Pool(process.env.TARGET, { connections: 128 }) : null;
const app = Fastify({ logger: false });
if (mode === 'intake-parse') await app.register(formbody);
else if (mode !== 'e2e-json') {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
}
let n = 0;
/** What bench/e2e's JSON flow maps (support.ts JSON_WORKLOAD_MAPPING), written by hand. */
function mapped(order: Record<string, any>) {
  const digits = String(order.customer?.phones?.[0]?.number ?? '').replace(/\D/g, '');
  return {
    number: order.number,
    status: order.status,
    phone: digits.length === 11 && digits[0] === '8' ? `7${digits.slice(1)}` : digits,
    email: order.email,
    sum: Number(order.totalSumm),
    customerId: order.customer?.id,
    city: order.delivery?.address?.city,
    createdAt: order.createdAt,
    items: order.items,
  };
}
app.post('/hooks/:token', async (req) => {
  if (mode === 'e2e-json' && target) {
    const order = (req.body as { order: Record<string, any> }).order;
    const res = await target.request({ method: 'POST', path: '/hit', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mapped(order)) });
    await res.body.arrayBuffer();
    return { ok: true, id: `wh_${++n}` };
  }
  if (mode === 'e2e' && target) {
    const res = await target.request({ method: 'POST', path: '/hit', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
    await res.body.arrayBuffer();
  }
  return { ok: true, id: `wh_${++n}` };
});
app.get('/healthz', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
