// A data store step (docs/store.md): the operation, the collection, the key and — for writes — the
// value (text with templates, or JSON), expiry, and for `get` what finding nothing means.
import { Group, NumberInput, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import { STORE_OPERATIONS, type Step, type StoreStep } from './flowTypes.ts';
import { issuesUnder } from './issues.ts';
import { TemplateInput } from './TemplateInput.tsx';

const WRITES_VALUE = new Set(['set', 'setIfAbsent', 'append', 'increment']);
const TAKES_TTL = new Set(['set', 'setIfAbsent', 'increment', 'append']);

export function StoreStepBody(props: { step: StoreStep; stepKey: string }) {
  const { t } = useTranslation('editor');
  const { draft, issues, readOnly } = useEditor();
  const step = props.step;
  const base = `step:${props.stepKey}`;
  const error = (field: string) => issuesUnder(issues, `${base}.${field}`).join('; ') || undefined;
  const write = (update: (s: StoreStep) => StoreStep) => draft.updateStep(props.stepKey, (s: Step) => update(s as StoreStep));
  const setOperation = (operation: StoreStep['operation']) =>
    write((s) => {
      const { value, ttlSeconds, onNotFound, ...rest } = s;
      return {
        ...rest,
        operation,
        ...(WRITES_VALUE.has(operation) && value !== undefined ? { value } : operation === 'increment' || !WRITES_VALUE.has(operation) ? {} : { value: '' }),
        ...(TAKES_TTL.has(operation) && ttlSeconds !== undefined ? { ttlSeconds } : {}),
        ...(operation === 'get' ? { onNotFound: onNotFound ?? 'continue' } : {}),
      };
    });
  return (
    <Stack gap="sm">
      <Group gap="xs" align="flex-start" grow>
        <Select
          label={t('store.operation')}
          readOnly={readOnly}
          allowDeselect={false}
          value={step.operation}
          error={error('operation')}
          data={STORE_OPERATIONS.map((op) => ({ value: op, label: t(`store.op.${op}`) }))}
          onChange={(v) => v && setOperation(v as StoreStep['operation'])}
        />
        <TextInput
          label={t('store.collection')}
          description={t('store.collectionHint')}
          readOnly={readOnly}
          value={step.collection}
          error={error('collection')}
          onChange={(e) => {
            const collection = e.currentTarget.value;
            write((s) => ({ ...s, collection }));
          }}
        />
      </Group>
      <TemplateInput label={t('store.key')} fieldName={t('store.key')} required value={String(step.key ?? '')} error={error('key')} onChange={(key) => write((s) => ({ ...s, key }))} />
      {WRITES_VALUE.has(step.operation) && <ValueField step={step} error={error('value')} readOnly={readOnly} onChange={(value) => write((s) => withValue(s, value))} />}
      <Group gap="xs" align="flex-start">
        {TAKES_TTL.has(step.operation) && (
          <NumberInput
            label={t('store.ttl')}
            description={t('store.ttlHint')}
            w={220}
            min={1}
            readOnly={readOnly}
            value={step.ttlSeconds ?? ''}
            error={error('ttlSeconds')}
            onChange={(v) => write((s) => (v === '' || v === undefined ? withoutTtl(s) : { ...s, ttlSeconds: Math.max(1, Math.round(Number(v))) }))}
          />
        )}
        {step.operation === 'get' && (
          <Select
            label={t('store.onNotFound')}
            w={260}
            readOnly={readOnly}
            allowDeselect={false}
            value={step.onNotFound ?? 'stop'}
            error={error('onNotFound')}
            data={(['stop', 'continue', 'fail'] as const).map((v) => ({ value: v, label: t(`store.notFound.${v}`) }))}
            onChange={(v) => v && write((s) => ({ ...s, onNotFound: v as StoreStep['onNotFound'] }))}
          />
        )}
      </Group>
    </Stack>
  );
}

function withValue(s: StoreStep, value: unknown): StoreStep {
  const { value: _old, ...rest } = s;
  return value === undefined ? rest : { ...rest, value };
}

function withoutTtl(s: StoreStep): StoreStep {
  const { ttlSeconds: _t, ...rest } = s;
  return rest;
}

/** Text (templates allowed) edits as text; anything else (an object, a number) as JSON. */
function ValueField(props: { step: StoreStep; error?: string; readOnly: boolean; onChange(value: unknown): void }) {
  const { t } = useTranslation('editor');
  const value = props.step.value;
  const [json, setJson] = useState(() => (typeof value === 'string' || value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [bad, setBad] = useState(false);
  if (typeof value === 'string' || value === undefined) {
    return (
      <TemplateInput
        label={t(props.step.operation === 'increment' ? 'store.by' : 'store.value')}
        fieldName={t('store.value')}
        description={t(props.step.operation === 'increment' ? 'store.byHint' : 'store.valueHint')}
        value={value ?? ''}
        error={props.error}
        onChange={(v) => props.onChange(props.step.operation === 'increment' && v === '' ? undefined : v)}
      />
    );
  }
  return (
    <Textarea
      label={t('store.valueJson')}
      autosize
      minRows={2}
      readOnly={props.readOnly}
      value={json}
      error={bad ? t('store.badJson') : props.error}
      onChange={(e) => {
        const text = e.currentTarget.value;
        setJson(text);
        try {
          props.onChange(JSON.parse(text));
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}
