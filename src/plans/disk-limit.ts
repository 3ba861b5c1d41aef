// A plan's disk limit (historyBytes): part of each retention pass. First every workspace's disk
// usage is measured (storage-usage.ts); then a workspace whose history and journals exceed its
// plan's limit loses its oldest finished history, hour by hour, sooner than historyDays would
// delete it, until it fits — never an unfinished or failed execution, nor the webhook it reads its
// trigger from. Warnings at 80 % and 100 % are stored once a month, like the quotas'. Webhooks are
// never refused for disk: the limit only shortens the history.
import type { Logger } from 'pino';
import { newId } from '../lib/ids.ts';
import type { PlanStore } from '../store/types.ts';
import type { Plan } from './catalog.ts';
import { monthOf } from './periods.ts';
import { letIntakeIn, measureWorkspace } from './storage-usage.ts';

const BATCH = 100;
/** Batches per hour of history; an hour holds far fewer deletable rows in any real install. */
const MAX_BATCHES_PER_HOUR = 10_000;
const WARN_AT = [80, 100] as const;

export interface DiskLimitDeps {
  store: { plans: PlanStore };
  plans: { planOf(workspaceId: string): Plan; prepare(workspaceId: string, now?: number): Promise<void> };
  logger: Logger;
}

export interface DiskLimitPass {
  measuredHours: number;
  webhooks: number;
  executions: number;
  bytes: number;
}

/** Measures every workspace, then keeps each under its plan's historyBytes. */
export async function enforceDiskLimits(deps: DiskLimitDeps, now = Date.now(), pause: () => Promise<void> = letIntakeIn): Promise<DiskLimitPass> {
  const pass: DiskLimitPass = { measuredHours: 0, webhooks: 0, executions: 0, bytes: 0 };
  const store = deps.store.plans;
  for (const workspaceId of await store.listWorkspaceIds()) {
    await deps.plans.prepare(workspaceId, now);
    const plan = deps.plans.planOf(workspaceId);
    pass.measuredHours += await measureWorkspace(store, workspaceId, { now, historyDays: plan.historyDays, pause });
    const limit = plan.historyBytes ?? null;
    if (limit === null) continue;
    const pruned = await keepUnderLimit(store, workspaceId, plan, limit, now, pause);
    pass.webhooks += pruned.webhooks;
    pass.executions += pruned.executions;
    pass.bytes += pruned.bytes;
    if (pruned.overBy > 0) {
      deps.logger.warn({ workspaceId, limitBytes: limit, overBy: pruned.overBy }, 'disk limit: still over after pruning; the rest is unfinished or failed executions and the webhooks they need, kept until they finish');
    }
  }
  if (pass.webhooks + pass.executions > 0) {
    await store.reclaimSpace(2000);
    deps.logger.info(pass, 'disk limit: pruned the oldest finished history of workspaces over their plan');
  }
  return pass;
}

async function keepUnderLimit(store: PlanStore, workspaceId: string, plan: Plan, limit: number, now: number, pause: () => Promise<void>) {
  const usage = await store.storageUsage(workspaceId);
  const used = usage.historyBytes + usage.journalBytes;
  await warnIfNear(store, { workspaceId, plan, used, limit, now });
  const done = { webhooks: 0, executions: 0, bytes: 0, overBy: used - limit };
  if (used <= limit) return done;
  for (const hour of await store.storageHours(workspaceId)) {
    if (hour.historyBytes + hour.journalBytes === 0) continue;
    for (let i = 0; i < MAX_BATCHES_PER_HOUR; i++) {
      const batch = await store.pruneOverLimit({ workspaceId, hour: hour.hour, limitBytes: limit, batch: BATCH });
      done.webhooks += batch.webhooks;
      done.executions += batch.executions;
      done.bytes += batch.bytes;
      done.overBy = batch.overBy;
      if (batch.overBy <= 0) return done;
      await pause();
      if (!batch.more) break;
    }
  }
  return done;
}

async function warnIfNear(store: PlanStore, w: { workspaceId: string; plan: Plan; used: number; limit: number; now: number }): Promise<void> {
  for (const threshold of WARN_AT) {
    if (w.used * 100 < w.limit * threshold) continue;
    const [usedRu, limitRu, usedEn, limitEn] = [bytes(w.used, 'ru'), bytes(w.limit, 'ru'), bytes(w.used, 'en'), bytes(w.limit, 'en')];
    const full = threshold >= 100;
    await store.addNotification({
      id: newId('ntf', w.now),
      workspaceId: w.workspaceId,
      kind: 'disk',
      threshold,
      period: monthOf(w.now),
      messageRu: full
        ? `Место на диске тарифа «${w.plan.label}» закончилось: история и журналы занимают ${usedRu} из ${limitRu}. Самая старая завершённая история удаляется раньше срока хранения (${w.plan.historyDays} дн.), пока не станет меньше лимита; вебхуки принимаются как обычно.`
        : `Занято ${threshold} % места на диске тарифа «${w.plan.label}»: история и журналы — ${usedRu} из ${limitRu}. Когда место закончится, самая старая завершённая история будет удаляться раньше срока хранения (${w.plan.historyDays} дн.).`,
      messageEn: full
        ? `The disk of plan "${w.plan.id}" is full: history and journals take ${usedEn} of ${limitEn}. The oldest finished history is deleted before its ${w.plan.historyDays} days until they fit; webhooks are accepted as usual.`
        : `${threshold}% of the disk of plan "${w.plan.id}" is used: history and journals take ${usedEn} of ${limitEn}. Once it is full, the oldest finished history is deleted before its ${w.plan.historyDays} days.`,
      createdAt: w.now,
    });
  }
}

/** 1.5 МБ / 1.5 MB: binary units, one decimal. */
export function bytes(n: number, lang: 'ru' | 'en'): string {
  const units = lang === 'ru' ? ['Б', 'КБ', 'МБ', 'ГБ', 'ТБ'] : ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: unit === 0 ? 0 : 1 }).replace(/\u00a0/g, ' ');
  return `${text} ${units[unit]}`;
}
