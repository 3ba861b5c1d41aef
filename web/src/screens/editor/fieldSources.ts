// What the field picker offers at a given step: the trigger's fields (catalog ids with labels,
// plus every field of the sample with its value) and each earlier step's fields (action outputs
// from the catalog, set-step names, values from the last test run).
import { findAction, findEvent } from './editorContext.tsx';
import { flattenSample } from './flatten.ts';
import type { Catalog, FlowTrigger, SampleField, Step, StepRun } from './flowTypes.ts';

export interface PickerField {
  /** The path after the root: `order.number` for `{{trigger.order.number}}`. */
  id: string;
  label?: string;
  value?: unknown;
  hasValue: boolean;
}

export interface PickerGroup {
  /** `trigger` or `steps.<id>`. */
  root: string;
  title: string;
  fields: PickerField[];
}

function merge(catalog: ReadonlyArray<{ id: string; label: string }>, values: readonly SampleField[]): PickerField[] {
  const byId = new Map<string, PickerField>();
  for (const f of catalog) byId.set(f.id, { id: f.id, label: f.label, hasValue: false });
  for (const v of values) {
    const known = byId.get(v.id);
    byId.set(v.id, { id: v.id, label: known?.label, value: v.value, hasValue: true });
  }
  return [...byId.values()];
}

export function triggerGroup(catalogs: readonly Catalog[], trigger: FlowTrigger, sample: readonly SampleField[], title: string): PickerGroup {
  const event = findEvent(catalogs, trigger.connector, trigger.event);
  return { root: 'trigger', title, fields: merge(event?.fields ?? [], sample) };
}

export function stepGroup(catalogs: readonly Catalog[], step: Step, run: StepRun | undefined): PickerGroup | null {
  const runValues = run?.output !== undefined && run.output !== null ? flattenSample(run.output) : [];
  switch (step.type) {
    case 'action': {
      const action = findAction(catalogs, step.connector, step.action);
      return { root: `steps.${step.id}`, title: step.id, fields: merge(action?.output ?? [], runValues) };
    }
    case 'set': {
      const names = Object.keys(step.values ?? {}).map((id) => ({ id, label: '' }));
      return { root: `steps.${step.id}`, title: step.id, fields: merge(names, runValues) };
    }
    case 'store': {
      const out = step.operation === 'get' ? ['found', 'value'] : step.operation === 'setIfAbsent' ? ['set'] : step.operation === 'delete' ? ['deleted'] : ['value'];
      return { root: `steps.${step.id}`, title: step.id, fields: merge(out.map((id) => ({ id, label: '' })), runValues) };
    }
    default:
      return null;
  }
}

/** Groups for a field of the step at `index` (only earlier steps can be referenced). */
export function pickerGroups(
  catalogs: readonly Catalog[],
  trigger: FlowTrigger,
  sample: readonly SampleField[],
  steps: readonly Step[],
  index: number,
  runs: Map<string, StepRun>,
  triggerTitle: string,
): PickerGroup[] {
  const groups = [triggerGroup(catalogs, trigger, sample, triggerTitle)];
  for (const step of steps.slice(0, index)) {
    const group = stepGroup(catalogs, step, runs.get(step.id));
    if (group && group.fields.length > 0) groups.push(group);
  }
  return groups;
}
