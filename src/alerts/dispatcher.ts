// The alert dispatcher: a background round (every few seconds, in the process that runs the
// scheduler) that reads what happened from the store — failed executions, failing polls, stored
// notifications — and sends alerts. Executions never wait for it: it only reads what they wrote.
//
// Grouping: a flow's failures go out at most once per `groupMinutes`. The first failure after a
// quiet window is sent at once; the ones after it are counted and sent, with their count, when the
// window is over. What was sent and counted lives in the store (alert_state, one JSON row per
// workspace and concern), written after the message went out: a restart neither repeats a message
// nor forgets a failure — at worst a crash between sending and writing repeats one message.
import type { Logger } from 'pino';
import type { FlowFailures, Notification, Store } from '../store/types.ts';
import type { AlertChannels, Delivery } from './channels.ts';
import { connectionAuthMessage, failuresMessage, notificationsMessage, pollFailingMessage, pollRecoveredMessage, type AlertMessage } from './messages.ts';
import type { AlertSettingsService, OpenedAlertSettings } from './settings.ts';

/** Failures finish (finished_at) a moment before their write is visible: the round reads up to now minus this. */
const SETTLE_MS = 5_000;
const QUOTA_KINDS = new Set(['webhooks', 'transactions', 'disk']);
/** Errors that mean the service refused the connection's credentials. */
const AUTH_ERROR = /\b(401|403)\b|unauthori[sz]ed|forbidden|invalid (api[ -]?)?(key|token)|wrong (api[ -]?)?(key|token)|неверн\S* (ключ|токен|api)|доступ запрещ/i;

export function isAuthError(message: string | null): boolean {
  return message !== null && AUTH_ERROR.test(message);
}

interface FlowGroup {
  /** When this flow's last failure message went out. */
  lastSentAt: number | null;
  /** Failures counted since, not yet sent. */
  pending: number;
  samples: FlowFailures['samples'];
  /** Finish time of the oldest pending failure. */
  pendingSince: number | null;
}

interface FailureState {
  /** Failures finished up to here are counted. */
  scannedUntil: number;
  flows: Record<string, FlowGroup>;
  /** Connection name → when its auth alert went out. */
  auth: Record<string, number>;
}

interface PollState {
  [flowId: string]: { since: number; sentAt: number | null };
}

interface NoticeState {
  at: number;
  ids: string[];
}

export interface LastDelivery {
  at: string;
  subject: string;
  ok: boolean;
  errors: string[];
}

export interface AlertDispatcherDeps {
  store: Store;
  settings: AlertSettingsService;
  channels: AlertChannels;
  logger: Logger;
  publicUrl: string;
  now?: () => number;
  intervalMs?: number;
  /** False in a process that must not send now (a distributed worker that is not the leader). */
  active?: () => boolean;
}

export class AlertDispatcher {
  private readonly deps: AlertDispatcherDeps;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(deps: AlertDispatcherDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.deps.active?.() ?? true) void this.tick();
    }, this.deps.intervalMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round over every workspace with alerts on; rounds never overlap. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => (this.running = null));
    return this.running;
  }

  private async round(): Promise<void> {
    for (const stored of await this.deps.store.alerts.listSettings()) {
      try {
        const opened = await this.deps.settings.open(stored.workspaceId);
        if (opened?.settings.enabled) await this.workspace(opened);
      } catch (err) {
        this.deps.logger.error({ err, workspaceId: stored.workspaceId }, 'alerts round failed');
      }
    }
  }

  private async workspace(opened: OpenedAlertSettings): Promise<void> {
    const { workspaceId, settings } = opened;
    const now = this.now();
    const since = ((await this.deps.store.alerts.getState(workspaceId, 'since')) as { at: number } | undefined)?.at ?? now;
    const events = settings.events;
    if (events.failures || events.connectionAuth) await this.failures(opened, since, now);
    if (events.pollFailing || events.connectionAuth) await this.polls(opened, now);
    if (events.quota || events.notifications) await this.notices(opened, since);
  }

  private async failures(opened: OpenedAlertSettings, since: number, now: number): Promise<void> {
    const { workspaceId, settings } = opened;
    const store = this.deps.store.alerts;
    const windowMs = settings.groupMinutes * 60_000;
    const until = now - SETTLE_MS;
    const state: FailureState = ((await store.getState(workspaceId, 'failures')) as FailureState | undefined) ?? { scannedUntil: since, flows: {}, auth: {} };
    state.auth ??= {};
    const fresh = until > state.scannedUntil ? await store.failuresBetween(workspaceId, state.scannedUntil, until) : [];
    if (until > state.scannedUntil) state.scannedUntil = until;
    for (const f of fresh) {
      const group = (state.flows[f.flowId] ??= { lastSentAt: null, pending: 0, samples: [], pendingSince: null });
      group.pending += f.count;
      group.samples = [...f.samples, ...group.samples].slice(0, 3);
      group.pendingSince ??= f.samples.at(-1)?.finishedAt ?? now;
    }
    const names = await this.deps.store.flowNames(workspaceId, Object.keys(state.flows));
    for (const [flowId, group] of Object.entries(state.flows)) {
      if (group.pending === 0) {
        // Quiet for a whole window: forgotten, so the next failure goes out at once.
        if (group.lastSentAt === null || now - group.lastSentAt >= windowMs) delete state.flows[flowId];
        continue;
      }
      if (group.lastSentAt !== null && now - group.lastSentAt < windowMs) continue;
      const flowName = names.get(flowId) ?? flowId;
      if (settings.events.failures) {
        const message = failuresMessage({ flowName, flowId, failures: { flowId, count: group.pending, samples: group.samples }, sinceMs: now - (group.lastSentAt ?? group.pendingSince ?? now), publicUrl: this.deps.publicUrl });
        if (!(await this.deliver(opened, message)).ok) continue;
      }
      if (settings.events.connectionAuth) await this.authFromFailures(opened, state, flowId, flowName, group, now, windowMs);
      group.lastSentAt = now;
      group.pending = 0;
      group.samples = [];
      group.pendingSince = null;
    }
    await store.putState(workspaceId, 'failures', state, now);
  }

  private async authFromFailures(opened: OpenedAlertSettings, state: FailureState, flowId: string, flowName: string, group: FlowGroup, now: number, windowMs: number): Promise<void> {
    const refused = group.samples.find((s) => isAuthError(s.error));
    if (!refused) return;
    const flow = await this.deps.store.getFlow(opened.workspaceId, flowId);
    const connection = flow && refused.errorStep ? connectionOfStep(flow.definition, refused.errorStep) : null;
    if (!connection) return;
    await this.authAlert(opened, state.auth, connection, flowName, refused.error ?? '', now, windowMs);
  }

  private async authAlert(opened: OpenedAlertSettings, sent: Record<string, number>, connection: string, flowName: string, error: string, now: number, windowMs: number): Promise<void> {
    const last = sent[connection];
    if (last !== undefined && now - last < windowMs) return;
    if ((await this.deliver(opened, connectionAuthMessage({ connection, flowName, error, publicUrl: this.deps.publicUrl }))).ok) sent[connection] = now;
  }

  private async polls(opened: OpenedAlertSettings, now: number): Promise<void> {
    const { workspaceId, settings } = opened;
    const store = this.deps.store.alerts;
    const failing = await store.failingPolls(workspaceId);
    const state: PollState = ((await store.getState(workspaceId, 'polls')) as PollState | undefined) ?? {};
    if (failing.length === 0 && Object.keys(state).length === 0) return;
    const names = await this.deps.store.flowNames(workspaceId, [...new Set([...failing.map((p) => p.flowId), ...Object.keys(state)])]);
    const failures: FailureState = ((await store.getState(workspaceId, 'failures')) as FailureState | undefined) ?? { scannedUntil: now - SETTLE_MS, flows: {}, auth: {} };
    failures.auth ??= {};
    let authSent = false;
    const stillFailing = new Set(failing.map((p) => p.flowId));
    for (const poll of failing) {
      const entry = (state[poll.flowId] ??= { since: now, sentAt: null });
      const flowName = names.get(poll.flowId) ?? poll.flowId;
      if (entry.sentAt !== null || now - entry.since < settings.pollFailingMinutes * 60_000) continue;
      if (settings.events.pollFailing) {
        if (!(await this.deliver(opened, pollFailingMessage({ flowName, flowId: poll.flowId, error: poll.error, failingMs: now - entry.since, publicUrl: this.deps.publicUrl }))).ok) continue;
      }
      entry.sentAt = now;
      if (settings.events.connectionAuth && isAuthError(poll.error)) {
        const flow = await this.deps.store.getFlow(workspaceId, poll.flowId);
        const connection = (flow?.definition as { trigger?: { connection?: unknown } } | undefined)?.trigger?.connection;
        if (typeof connection === 'string') {
          await this.authAlert(opened, failures.auth, connection, flowName, poll.error, now, settings.groupMinutes * 60_000);
          authSent = true;
        }
      }
    }
    for (const [flowId, entry] of Object.entries(state)) {
      if (stillFailing.has(flowId)) continue;
      // Recovered: told only when its failure was.
      if (entry.sentAt !== null && settings.events.pollFailing) await this.deliver(opened, pollRecoveredMessage({ flowName: names.get(flowId) ?? flowId, flowId, publicUrl: this.deps.publicUrl }));
      delete state[flowId];
    }
    await store.putState(workspaceId, 'polls', state, now);
    if (authSent) await store.putState(workspaceId, 'failures', failures, now);
  }

  private async notices(opened: OpenedAlertSettings, since: number): Promise<void> {
    const { workspaceId, settings } = opened;
    const store = this.deps.store.alerts;
    const state: NoticeState = ((await store.getState(workspaceId, 'notifications')) as NoticeState | undefined) ?? { at: since, ids: [] };
    const recent = await this.deps.store.plans.listNotifications(workspaceId, 200);
    const fresh = recent.filter((n) => n.createdAt > state.at || (n.createdAt === state.at && !state.ids.includes(n.id))).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    if (fresh.length === 0) return;
    const wanted = fresh.filter((n: Notification) => (QUOTA_KINDS.has(n.kind) ? settings.events.quota : settings.events.notifications));
    if (wanted.length > 0 && !(await this.deliver(opened, notificationsMessage(wanted, this.deps.publicUrl))).ok) return;
    const at = fresh.at(-1)!.createdAt;
    const ids = fresh.filter((n) => n.createdAt === at).map((n) => n.id);
    await store.putState(workspaceId, 'notifications', { at, ids: at === state.at ? [...state.ids, ...ids] : ids }, this.now());
  }

  private async deliver(opened: OpenedAlertSettings, message: AlertMessage): Promise<Delivery> {
    const delivery = await this.deps.channels.send(opened, message);
    const errors = Object.values(delivery.results).flatMap((r) => (r.ok ? [] : [r.error]));
    if (errors.length > 0) this.deps.logger.warn({ workspaceId: opened.workspaceId, errors }, 'alert not delivered everywhere');
    const last: LastDelivery = { at: new Date(this.now()).toISOString(), subject: message.subject, ok: delivery.ok, errors };
    await this.deps.store.alerts.putState(opened.workspaceId, 'lastDelivery', last, this.now());
    return delivery;
  }
}

/** The connection a step (found by id anywhere in the flow, branches included) names. */
export function connectionOfStep(definition: unknown, stepId: string): string | null {
  const seen: unknown[] = [definition];
  for (let i = 0; i < seen.length && i < 10_000; i++) {
    const node = seen[i];
    if (Array.isArray(node)) seen.push(...node);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.id === stepId && typeof o.connection === 'string') return o.connection;
      seen.push(...Object.values(o));
    }
  }
  return null;
}
