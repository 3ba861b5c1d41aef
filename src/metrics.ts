// Prometheus metrics (GET /metrics). One registry per app so tests can run several apps.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly webhooksAccepted = new Counter({
    name: 'svyazka_webhooks_accepted_total',
    help: 'Webhooks stored in history and answered 200',
    registers: [this.registry],
  });
  readonly webhooksRejected = new Counter({
    name: 'svyazka_webhooks_rejected_total',
    help: 'Webhooks answered with an error, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly executionsFinished = new Counter({
    name: 'svyazka_executions_total',
    help: 'Executions that reached a final status, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly stepDuration = new Histogram({
    name: 'svyazka_step_duration_seconds',
    help: 'Time to run one step attempt, by step type and connector',
    labelNames: ['type', 'connector'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly transactions = new Counter({
    name: 'svyazka_transactions_total',
    help: 'Outgoing API requests made by actions and polls, by connector',
    labelNames: ['connector'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'svyazka_queue_depth',
    help: 'Executions waiting in the queue, by state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'svyazka_circuit_state',
    help: 'Health of a service per connection (circuit "conn:<id>", or "host:…" without one): 0 ok, 1 degraded (probing or draining), 2 down',
    labelNames: ['connector', 'circuit'] as const,
    registers: [this.registry],
  });
  readonly circuitWaiting = new Gauge({
    name: 'svyazka_circuit_waiting_executions',
    help: 'Executions waiting for their service to come back, per circuit',
    labelNames: ['connector', 'circuit'] as const,
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }
}
