// PlansService on a real SQLite file: month boundaries (Moscow time), trial start, durable counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/logger.ts';
import { DEFAULT_CATALOG } from '../../src/plans/catalog.ts';
import { dayOf, monthOf, nextMonthStart } from '../../src/plans/periods.ts';
import { PlansService, QuotaExceededError } from '../../src/plans/service.ts';
import { tempDataDir } from '../support/app.ts';
import { openTestStore } from '../support/database.ts';

const logger = createLogger({ level: 'silent' });

test('billing months are Moscow calendar months', () => {
  const lastMinuteOfJanMsk = Date.parse('2026-01-31T20:59:00Z'); // 23:59 in Moscow
  assert.equal(monthOf(lastMinuteOfJanMsk), '2026-01');
  assert.equal(monthOf(lastMinuteOfJanMsk + 60_000), '2026-02');
  assert.equal(dayOf(Date.parse('2026-03-01T21:30:00Z')), '2026-03-02');
  assert.equal(new Date(nextMonthStart(lastMinuteOfJanMsk)).toISOString(), '2026-01-31T21:00:00.000Z');
});

test('a new workspace starts a trial; the transaction quota ends with the month and comes back with the next', async () => {
  const store = await openTestStore(tempDataDir());
  const ws = await store.createWorkspace('w', 'W');
  const catalog = { ...DEFAULT_CATALOG, trialPlan: 't1200' };
  const jan = Date.parse('2026-01-15T10:00:00Z');
  const plans = new PlansService({ catalog, store: store.plans, logger });
  await plans.prepare(ws.id, jan);
  const billing = plans.billingOf(ws.id)!;
  assert.equal(billing.planId, 't1200');
  assert.equal(billing.trialEndsAt, jan + 30 * 86_400_000);
  for (let i = 0; i < 1200; i++) plans.takeTransaction(ws.id, jan);
  assert.throws(() => plans.takeTransaction(ws.id, jan), (e: unknown) => e instanceof QuotaExceededError && e.resumeAt === Date.parse('2026-01-31T21:00:00Z'));
  assert.equal(plans.remainingTransactions(ws.id, jan), 0);
  const feb = Date.parse('2026-02-01T09:00:00Z');
  assert.doesNotThrow(() => plans.takeTransaction(ws.id, feb));
  assert.equal(plans.remainingTransactions(ws.id, feb), 1199);
  // Counters come back from the store after a restart (here: a fresh service on the same file).
  await store.saveStepAndExecution(null, 'none', {}, { workspaceId: ws.id, flowId: 'f', connector: 'http', count: 7, day: dayOf(feb), month: monthOf(feb) });
  const restarted = new PlansService({ catalog, store: store.plans, logger });
  await restarted.prepare(ws.id, feb);
  assert.equal(restarted.remainingTransactions(ws.id, feb), 1200 - 7);
  assert.equal(restarted.billingOf(ws.id)!.trialEndsAt, billing.trialEndsAt, 'the trial is not restarted');
  await store.drop();
});
