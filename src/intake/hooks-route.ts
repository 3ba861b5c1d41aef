// GET|POST|PUT /hooks/{token}: authenticate the token, parse the body, store the webhook (and the
// execution it starts) durably, answer 200 only after COMMIT, then hand the execution to the queue.
// Secret-looking headers and query parameters (redaction.ts) are redacted before storing; no
// connector's trigger reads request headers, so nothing needs the raw values after this point.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import type { ExecutionQueue } from '../queue/types.ts';
import type { Store } from '../store/types.ts';
import { dayOf } from '../plans/periods.ts';
import type { PlansService } from '../plans/service.ts';
import { newId } from '../lib/ids.ts';
import { BodyError, mergeQuery, parseQueryString, parseWebhookBody, type ParsedBody } from './body.ts';
import { headersForHistory } from './headers.ts';
import { internalErrorBody } from '../api/internal-error.ts';
import { isStorageFull, isStorageUnavailable } from '../store/storage-errors.ts';
import { DEFAULT_REDACT_PATTERN, redactParams } from './redaction.ts';
import type { HookTargets } from './hook-targets.ts';
import type { WebhookSignals } from './webhook-signals.ts';

export interface IntakeDeps {
  store: Store;
  targets: HookTargets;
  queue: ExecutionQueue | null;
  metrics: Metrics;
  logger: Logger;
  maxBytes: number;
  plans: PlansService;
  /** Told of each stored webhook, for the editor's "waiting for a test webhook". */
  signals: WebhookSignals;
  /** Header and query parameter names whose values are redacted before storing (SVYAZKA_REDACT_NAMES adds to the defaults). */
  secretNames?: RegExp;
}

const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
/** The longest a webhook is held back while executions wait in numbers (queue room()). */
const INTAKE_HOLD_MS = 250;
/** How much of an unparseable body history keeps, for debugging. */
const INVALID_BODY_PREVIEW = 64 * 1024;
type StorageRefusal = 'storage_full' | 'storage_unavailable';
/** The 503s of a webhook that could not be stored, and how long the sender is asked to wait. */
const STORAGE_REFUSALS: Record<StorageRefusal, { retryAfterSeconds: number; message: string; messageRu: string; log: string }> = {
  storage_full: {
    retryAfterSeconds: 30,
    message: 'The server cannot store webhooks right now (disk full); send it again later',
    messageRu: 'Сервер сейчас не может сохранить вебхук (диск заполнен); отправьте его позже',
    log: 'webhooks refused with 503: the disk is full (nothing is stored until space returns)',
  },
  storage_unavailable: {
    retryAfterSeconds: 10,
    message: 'The server cannot reach its database right now; send it again later',
    messageRu: 'Сервер сейчас не может обратиться к базе данных; отправьте вебхук позже',
    log: 'webhooks refused with 503: the database is unavailable (nothing is stored until it answers)',
  },
};

export async function hooksRoutes(app: FastifyInstance, deps: IntakeDeps): Promise<void> {
  // Bodies arrive as raw bytes; parseWebhookBody decides what they are.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.maxBytes }, (_req, body, done) => done(null, body));

  // Logged once in a while, not per request: a full disk refuses thousands a second.
  const loggedAt: Record<StorageRefusal, number> = { storage_full: 0, storage_unavailable: 0 };
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      deps.metrics.webhooksRejected.inc({ reason: 'too_large' });
      return reply.code(413).send({ ok: false, error: 'payload_too_large', message: `Body is over the limit of ${deps.maxBytes} bytes` });
    }
    // Not stored, and said so: the sender keeps the webhook and sends it again later.
    const refusal: StorageRefusal | null = isStorageFull(error) ? 'storage_full' : isStorageUnavailable(error) ? 'storage_unavailable' : null;
    if (refusal) {
      const r = STORAGE_REFUSALS[refusal];
      deps.metrics.webhooksRejected.inc({ reason: refusal });
      if (refusal === 'storage_full') deps.store.storage.full(error);
      if (Date.now() - loggedAt[refusal] > 10_000) {
        loggedAt[refusal] = Date.now();
        req.log.error({ err: error }, r.log);
      }
      return reply.code(503).header('retry-after', String(r.retryAfterSeconds)).send({ ok: false, error: refusal, message: r.message, messageRu: r.messageRu });
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    deps.metrics.webhooksRejected.inc({ reason: status === 500 ? 'error' : 'bad_request' });
    if (status === 500) {
      // req.log carries the request id the answer names; the webhook was not stored.
      req.log.error({ err: error }, 'webhook intake failed');
      return reply.code(500).send({ ok: false, ...internalErrorBody(req) });
    }
    return reply.code(status).send({ ok: false, error: 'bad_request', message: error.message });
  });

  const signals = deps.signals;
  const secretNames = deps.secretNames ?? DEFAULT_REDACT_PATTERN;
  const handler = async (req: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
    const token = req.params.token;
    const target = TOKEN.test(token) ? await deps.targets.find(token) : null;
    if (!target) {
      deps.metrics.webhooksRejected.inc({ reason: 'unknown_token' });
      return reply.code(404).send({ ok: false, error: 'not_found' });
    }
    // Over the plan's rate or monthly quota: refused before anything is stored, with the reason.
    await deps.plans.prepare(target.workspaceId);
    const admission = await deps.plans.admitWebhookShared(target.workspaceId);
    if (!admission.ok) {
      deps.metrics.webhooksRejected.inc({ reason: admission.reason === 'rate' ? 'rate_limited' : 'quota_exceeded' });
      return reply
        .code(429)
        .header('retry-after', String(admission.retryAfterSeconds))
        .send({ ok: false, error: admission.reason === 'rate' ? 'rate_limited' : 'quota_exceeded', message: admission.messageEn, messageRu: admission.messageRu });
    }
    // Executions already wait in numbers: this webhook waits a little too (never past
    // INTAKE_HOLD_MS), so that under a flood the line, and the memory it holds, stays bounded.
    const room = deps.queue?.room?.(INTAKE_HOLD_MS);
    if (room) await room;
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const contentType = req.headers['content-type'];
    const search = req.url.indexOf('?');
    const now = Date.now();
    // The store counts the webhook on this day, unless admission took it from the store's counter already.
    const countOn = admission.quotaTaken ? null : dayOf(now);
    const webhook = {
      id: newId('wh', now),
      workspaceId: target.workspaceId,
      flowId: target.flowId,
      method: req.method,
      headers: headersForHistory(req.headers, secretNames),
      query: {} as Record<string, unknown>,
      body: {} as unknown,
      bodyKind: 'empty',
      contentType: contentType ?? null,
      size: raw.length,
      ip: req.ip ?? null,
      status: 'accepted' as 'accepted' | 'no_enabled_flow' | 'invalid',
      error: null as string | null,
      receivedAt: now,
    };

    let parsed: ParsedBody;
    try {
      // Redacted here, before anything is stored: the trigger data below is built from this copy too,
      // so a secret query parameter reaches neither history nor executions.trigger (nor templates).
      webhook.query = search >= 0 ? redactParams(parseQueryString(req.url.slice(search + 1)), secretNames) : {};
      parsed = parseWebhookBody(raw, contentType);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      // Kept in history as 'invalid' so the sender's mistake can be seen and debugged.
      webhook.status = 'invalid';
      webhook.error = error.message;
      webhook.bodyKind = 'invalid';
      webhook.body = { text: raw.subarray(0, INVALID_BODY_PREVIEW).toString('utf8') };
      await deps.store.acceptWebhook(webhook, null, countOn);
      signals.stored(webhook.flowId, webhook.id);
      deps.metrics.webhooksRejected.inc({ reason: error.code });
      return reply.code(error.statusCode).send({ ok: false, error: error.code, message: error.message, id: webhook.id });
    }
    webhook.body = parsed.body;
    webhook.bodyKind = parsed.kind;
    // Stored as it arrived (exact bytes, parsed again when read); the execution keeps no copy.
    const stored = { ...webhook, raw };

    const execution = target.enabled
      ? {
          id: newId('ex', now),
          workspaceId: target.workspaceId,
          flowId: target.flowId,
          flowVersion: target.version,
          webhookId: webhook.id,
          origin: 'webhook' as const,
          trigger: mergeQuery(parsed.body, webhook.query),
          triggerFromWebhook: true,
          nextRunAt: now,
          // A sender that names its delivery (Idempotency-Key) and sends it again starts no second run;
          // the repeat is still kept in history.
          dedupeKey: deliveryKey(req.headers),
        }
      : null;
    if (!execution) stored.status = 'no_enabled_flow';
    await deps.store.acceptWebhook(stored, execution, countOn);
    deps.store.storage.ok();
    // Also when the flow is disabled: its webhooks are stored as samples for the editor.
    signals.stored(webhook.flowId, webhook.id);
    deps.metrics.webhooksAccepted.inc();
    if (execution && deps.queue) void deps.queue.push([{ executionId: execution.id }]);
    return reply.code(200).send({ ok: true, id: webhook.id });
  };

  app.route({ method: ['GET', 'POST', 'PUT'], url: '/hooks/:token', handler });
}

/** The sender's own id for this delivery, when it gives one: `Idempotency-Key` (or `X-Idempotency-Key`). */
function deliveryKey(headers: FastifyRequest['headers']): string | null {
  const raw = headers['idempotency-key'] ?? headers['x-idempotency-key'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value ? `delivery:${value.slice(0, 200)}` : null;
}
