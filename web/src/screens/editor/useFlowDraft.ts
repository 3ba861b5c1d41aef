// The flow being edited: the definition plus a stable client key per step (for drag and drop
// and for keeping validation issues on the right card), with the operations the editor offers.
import { useCallback, useMemo, useState } from 'react';
import type { FlowDefinition, FlowTrigger, Step, StepType } from './flowTypes.ts';
import { freshStepId, renameInValue } from './stepRefs.ts';

export interface DraftStep {
  key: string;
  step: Step;
}

export interface Draft {
  name: string;
  description?: string;
  enabled: boolean;
  trigger: FlowTrigger;
  steps: DraftStep[];
  maps?: FlowDefinition['maps'];
}

let keySeq = 0;
const newKey = () => `s${++keySeq}`;

export function draftOf(def: FlowDefinition): Draft {
  return {
    name: def.name ?? '',
    description: def.description,
    enabled: def.enabled === true,
    trigger: { ...def.trigger, options: { ...(def.trigger?.options ?? {}) } },
    steps: (def.steps ?? []).map((step) => ({ key: newKey(), step })),
    ...(def.maps ? { maps: def.maps } : {}),
  };
}

export function definitionOf(draft: Draft): FlowDefinition {
  const trigger: FlowTrigger = { connector: draft.trigger.connector, event: draft.trigger.event };
  if (draft.trigger.connection) trigger.connection = draft.trigger.connection;
  trigger.options = draft.trigger.options ?? {};
  return {
    name: draft.name,
    ...(draft.description ? { description: draft.description } : {}),
    enabled: draft.enabled,
    trigger,
    steps: draft.steps.map((s) => s.step),
    ...(draft.maps ? { maps: draft.maps } : {}),
  };
}

export const EMPTY_FLOW: FlowDefinition = { name: '', enabled: false, trigger: { connector: '', event: '', options: {} }, steps: [] };

function newStep(type: StepType, id: string): Step {
  switch (type) {
    case 'action':
      return { id, type, connector: '', action: '', input: {} };
    case 'filter':
      return { id, type, all: [{ left: '', op: 'eq', right: '' }] };
    case 'set':
      return { id, type, values: { value: '' } };
    case 'delay':
      return { id, type, seconds: 60 };
    case 'store':
      return { id, type, operation: 'get', collection: 'deals', key: '{{trigger.number}}', onNotFound: 'continue' };
    case 'router':
      return { id, type, branches: [{ id: `${id}_a`, all: [{ left: '{{trigger.status}}', op: 'eq', right: '' }], steps: [] }], otherwise: [] };
  }
}

export function useFlowDraft(initial: FlowDefinition) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial));
  const [baseline, setBaseline] = useState<string>(() => JSON.stringify(definitionOf(draftOf(initial))));

  const definition = useMemo(() => definitionOf(draft), [draft]);
  const dirty = useMemo(() => JSON.stringify(definition) !== baseline, [definition, baseline]);

  /** Replace the whole draft (loaded, imported, from a template); `saved` marks it unchanged. */
  const reset = useCallback((def: FlowDefinition, saved: boolean) => {
    const next = draftOf(def);
    setDraft(next);
    if (saved) setBaseline(JSON.stringify(definitionOf(next)));
  }, []);

  const markSaved = useCallback((def: FlowDefinition) => {
    setBaseline(JSON.stringify(def));
  }, []);

  const patch = useCallback((p: Partial<Omit<Draft, 'steps'>>) => setDraft((d) => ({ ...d, ...p })), []);

  const setTrigger = useCallback((update: (t: FlowTrigger) => FlowTrigger) => setDraft((d) => ({ ...d, trigger: update(d.trigger) })), []);

  const addStep = useCallback((type: StepType, index: number) => {
    setDraft((d) => {
      const id = freshStepId(type, d.steps.map((s) => s.step.id));
      const steps = [...d.steps];
      steps.splice(index, 0, { key: newKey(), step: newStep(type, id) });
      return { ...d, steps };
    });
  }, []);

  const updateStep = useCallback((key: string, update: (s: Step) => Step) => {
    setDraft((d) => ({ ...d, steps: d.steps.map((s) => (s.key === key ? { ...s, step: update(s.step) } : s)) }));
  }, []);

  const removeStep = useCallback((key: string) => setDraft((d) => ({ ...d, steps: d.steps.filter((s) => s.key !== key) })), []);

  const moveStep = useCallback((from: number, to: number) => {
    setDraft((d) => {
      if (to < 0 || to >= d.steps.length || from === to) return d;
      const steps = [...d.steps];
      const [moved] = steps.splice(from, 1);
      steps.splice(to, 0, moved);
      return { ...d, steps };
    });
  }, []);

  /** Renames a step and rewrites `{{steps.<old>…}}` in the steps after it. */
  const renameStep = useCallback((key: string, to: string) => {
    setDraft((d) => {
      const index = d.steps.findIndex((s) => s.key === key);
      if (index < 0) return d;
      const from = d.steps[index].step.id;
      const steps = d.steps.map((s, i) => {
        if (i === index) return { ...s, step: { ...s.step, id: to } };
        if (i < index) return s;
        const { id, type, ...rest } = s.step;
        return { ...s, step: { id, type, ...renameInValue(rest, from, to) } as Step };
      });
      return { ...d, steps };
    });
  }, []);

  return { draft, definition, dirty, reset, markSaved, patch, setTrigger, addStep, updateStep, removeStep, moveStep, renameStep };
}

export type FlowDraftApi = ReturnType<typeof useFlowDraft>;
