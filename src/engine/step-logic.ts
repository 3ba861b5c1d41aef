// What a step computes from the template context, shared by the executor (durable runs) and the
// test run (one synchronous pass): filters, `set` values, delay deadlines, action inputs, and what
// an action's result means under its onNotFound / onError settings.
import { evaluateCondition } from './conditions.ts';
import type { ActionStep, DelayStep, FilterStep, LeafStep, RouterStep, SetStep } from './flow-schema.ts';
import { renderTemplate, renderValue, type TemplateContext } from './template.ts';

export interface FilterResult {
  passed: boolean;
  /** The journal's input: each condition resolved, with its result. */
  input: Record<string, unknown>;
}

export function evaluateFilter(step: FilterStep, ctx: TemplateContext): FilterResult {
  const mode = step.all ? 'all' : 'any';
  const conditions = (step.all ?? step.any)!.map((c) => {
    const left = renderTemplate(c.left, ctx);
    const right = renderValue(c.right, ctx);
    return { left, op: c.op, right, result: evaluateCondition(left, c.op, right) };
  });
  const passed = mode === 'all' ? conditions.every((c) => c.result) : conditions.some((c) => c.result);
  return { passed, input: { [mode]: conditions } };
}

export function resolveSet(step: SetStep, ctx: TemplateContext): unknown {
  return renderValue(step.values, ctx);
}

/** When a delay ends (epoch ms), from `seconds` after `now` or the rendered `until`. */
export function delayResumeAt(step: DelayStep, ctx: TemplateContext, now: number): number {
  if (step.seconds !== undefined) return now + step.seconds * 1000;
  const until = renderTemplate(step.until!, ctx);
  const at = typeof until === 'number' ? until : Date.parse(String(until));
  if (Number.isNaN(at)) throw new Error(`delay "until" is not a date: ${JSON.stringify(until)}`);
  return at;
}

export function resolveActionInput(step: ActionStep, ctx: TemplateContext): Record<string, unknown> {
  return renderValue(step.input, ctx) as Record<string, unknown>;
}

/** How an action's ending reads under the step's settings: go on, stop quietly, or fail. */
export type ActionEnding =
  | { kind: 'next'; status: 'not_found' | 'failed'; output: unknown }
  | { kind: 'stopped' }
  | { kind: 'failed' };

/** For an action that found nothing (NotFoundError): `onNotFound` decides. */
export function endingOnNotFound(step: ActionStep, output: unknown): ActionEnding {
  if (step.onNotFound === 'continue') return { kind: 'next', status: 'not_found', output };
  if (step.onNotFound === 'fail') return { kind: 'failed' };
  return { kind: 'stopped' };
}

/** For an action that failed for good: `onError: continue` goes on with `{error}` as its output. */
export function endingOnError(step: ActionStep, error: string | null): ActionEnding {
  return step.onError === 'continue' ? { kind: 'next', status: 'failed', output: { error } } : { kind: 'failed' };
}

/** Which branch a router takes: the first whose conditions hold, else "otherwise" (null when it has none). */
export function chooseBranch(step: RouterStep, ctx: TemplateContext): { branch: string | null; steps: readonly LeafStep[]; input: Record<string, unknown> } {
  const tried: Array<{ branch: string; passed: boolean; conditions: unknown }> = [];
  for (const branch of step.branches) {
    const { passed, input } = evaluateFilter({ id: branch.id, type: 'filter', all: branch.all, any: branch.any }, ctx);
    tried.push({ branch: branch.id, passed, conditions: input });
    if (passed) return { branch: branch.id, steps: branch.steps, input: { tried } };
  }
  return step.otherwise ? { branch: 'otherwise', steps: step.otherwise, input: { tried } } : { branch: null, steps: [], input: { tried } };
}

/** The steps of a branch the router took before (from its journal), so a resumed run keeps to it. */
export function branchSteps(step: RouterStep, branch: unknown): readonly LeafStep[] {
  if (branch === 'otherwise') return step.otherwise ?? [];
  return step.branches.find((b) => b.id === branch)?.steps ?? [];
}
