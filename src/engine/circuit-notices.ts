// What people are told when a service goes down and comes back: a notification stored beside the
// plan's 80 %/100 % warnings (GET /api/v1/notifications), once per outage and transition.
import { newId } from '../lib/ids.ts';
import type { Notification, PlanStore } from '../store/types.ts';
import type { CircuitChange } from './outbound/circuit-breaker.ts';

export function circuitNotification(change: CircuitChange, now: number): Notification {
  const c = change.circuit;
  const since = new Date(c.since).toISOString();
  const opened = change.kind === 'opened';
  return {
    id: newId('ntf', now),
    workspaceId: c.workspaceId,
    kind: 'circuit',
    threshold: opened ? 0 : 1,
    // One per outage: the circuit and when it opened.
    period: `${c.key}@${c.since}`,
    messageRu: opened
      ? `Сервис ${c.connector} (${c.label}) недоступен с ${since}: запуски ждут его и не тратят транзакции. ${c.reason ?? ''}`.trim()
      : `Сервис ${c.connector} (${c.label}) снова отвечает${change.manual ? ' (открыт вручную)' : ''}: ждавшие запуски продолжаются.`,
    messageEn: opened
      ? `Service ${c.connector} (${c.label}) is down since ${since}: executions wait for it and spend no transactions. ${c.reason ?? ''}`.trim()
      : `Service ${c.connector} (${c.label}) answers again${change.manual ? ' (closed by hand)' : ''}: the waiting executions go on.`,
    createdAt: now,
  };
}

/** Stores the notification; a failure is logged by the caller's catch, never undoes the transition. */
export function notifyCircuitChange(plans: Pick<PlanStore, 'addNotification'>, change: CircuitChange): Promise<boolean> {
  return plans.addNotification(circuitNotification(change, Date.now()));
}
