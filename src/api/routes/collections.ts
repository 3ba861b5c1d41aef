// The workspace data store over HTTP: the collections `store` steps write, their records (list or
// search by key prefix, paged; get, put, delete) and an NDJSON export. Viewers read; owners and
// editors write. Every call is scoped to the caller's workspace like the rest of /api/v1.
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { CollectionError, COLLECTION_NAME, exportRecords, MAX_KEY_LENGTH, MAX_TTL_SECONDS, type CollectionRecord } from '../../store/collections.ts';
import { storeLimitsOf } from '../../plans/catalog.ts';
import { ApiError, notFound, type ApiRouter } from '../router.ts';

const nameParam = z.object({
  name: z.string().regex(COLLECTION_NAME, 'name: letters, digits, _ - . (up to 64, a letter or digit first)'),
});
const recordParams = nameParam.extend({ key: z.string().min(1).max(MAX_KEY_LENGTH) });
const listQuery = z.object({
  prefix: z.string().max(MAX_KEY_LENGTH).optional(),
  after: z.string().max(MAX_KEY_LENGTH).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const putBody = z.object({
  value: z.unknown().refine((v) => v !== undefined, 'value is required'),
  ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
});

export function recordView(r: CollectionRecord) {
  return {
    key: r.key,
    value: r.value,
    expiresAt: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/** A refused write as an answer: 413 for a value over 64 KB, 409 for a plan limit or a wrong kind of value, else 400. */
function refused(error: unknown): never {
  if (!(error instanceof CollectionError)) throw error;
  const status = error.code === 'too_large' ? 413 : error.code === 'invalid' ? 400 : 409;
  throw new ApiError(status, error.message, { code: error.code });
}

export function registerCollectionsRoutes(api: ApiRouter, s: Services): void {
  const collections = s.store.collections;
  const target = (c: { params: { name: string; key: string } }) => ({ type: 'store_record', id: `${c.params.name}/${c.params.key}`, name: c.params.key });

  api.add({
    method: 'GET', url: '/collections', summary: "The workspace's data store: collections with live records, usage and the plan's limits", tag: 'collections', role: 'viewer',
    async handler({ workspaceId }) {
      await s.plans.prepare(workspaceId);
      return { items: await collections.listCollections(workspaceId, Date.now()), usage: await collections.usage(workspaceId), limits: storeLimitsOf(s.plans.planOf(workspaceId)) };
    },
  });
  api.add({
    method: 'GET', url: '/collections/:name/records', summary: 'Records of a collection in key order, optionally only keys starting with `prefix`; pass `next` as `after` for the next page', tag: 'collections', role: 'viewer',
    params: nameParam, query: listQuery,
    async handler({ params, query, workspaceId }) {
      const page = await collections.list(workspaceId, params.name, { prefix: query.prefix, after: query.after, limit: query.limit }, Date.now());
      return { items: page.items.map(recordView), next: page.next };
    },
  });
  api.add({
    method: 'GET', url: '/collections/:name/export', summary: 'Every live record of a collection as NDJSON (one {"key","value","expiresAt",…} per line), optionally by `prefix`', tag: 'collections', role: 'viewer',
    params: nameParam, query: z.object({ prefix: z.string().max(MAX_KEY_LENGTH).optional() }),
    async handler({ params, query, workspaceId, reply }) {
      const now = Date.now();
      async function* lines() {
        for await (const r of exportRecords(collections, workspaceId, params.name, now, { prefix: query.prefix })) yield `${JSON.stringify(recordView(r))}\n`;
      }
      reply.header('content-type', 'application/x-ndjson; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="${params.name}.ndjson"`);
      return reply.send(Readable.from(lines()));
    },
  });
  api.add({
    method: 'GET', url: '/collections/:name/records/:key', summary: 'One record (404 when absent or expired)', tag: 'collections', role: 'viewer', params: recordParams,
    async handler({ params, workspaceId }) {
      const found = await collections.get(workspaceId, params.name, params.key, Date.now());
      if (!found) throw notFound('Record');
      return recordView(found);
    },
  });
  api.add({
    method: 'PUT', url: '/collections/:name/records/:key', summary: 'Create or replace a record (JSON value up to 64 KB; `ttlSeconds` makes it expire); counted against the plan\'s store limits', tag: 'collections', role: 'editor',
    params: recordParams, body: putBody,
    // The value is flow data and may be personal: the entry names the record, not what it holds.
    audit: { action: 'store_record.put', target, details: (c) => ({ collection: c.params.name, ttlSeconds: c.body.ttlSeconds ?? null }) },
    async handler({ params, body, workspaceId }) {
      await s.plans.prepare(workspaceId);
      const now = Date.now();
      try {
        await collections.write({ workspaceId, collection: params.name, key: params.key, write: { op: 'set', value: body.value, ttlSeconds: body.ttlSeconds }, now, limits: storeLimitsOf(s.plans.planOf(workspaceId)) });
      } catch (error) {
        refused(error);
      }
      return recordView((await collections.get(workspaceId, params.name, params.key, now))!);
    },
  });
  api.add({
    method: 'DELETE', url: '/collections/:name/records/:key', summary: 'Delete a record', tag: 'collections', role: 'editor', params: recordParams,
    audit: { action: 'store_record.delete', target, details: (c) => ({ collection: c.params.name }) },
    async handler({ params, workspaceId }) {
      const { output } = await collections.write({ workspaceId, collection: params.name, key: params.key, write: { op: 'delete' }, now: Date.now(), limits: { records: null, bytes: null } });
      if (!(output as { deleted: boolean }).deleted) throw notFound('Record');
      return { ok: true };
    },
  });
}
