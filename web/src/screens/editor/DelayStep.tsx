// A delay step: wait a duration (stored as seconds) or until a date (a template).
import { Group, NumberInput, SegmentedControl, Select, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import type { DelayStep, Step } from './flowTypes.ts';
import { issuesUnder } from './issues.ts';
import { TemplateInput } from './TemplateInput.tsx';

const UNITS = [
  { key: 'seconds', factor: 1 },
  { key: 'minutes', factor: 60 },
  { key: 'hours', factor: 3600 },
  { key: 'days', factor: 86400 },
] as const;

function bestUnit(seconds: number) {
  return [...UNITS].reverse().find((u) => seconds > 0 && seconds % u.factor === 0) ?? UNITS[0];
}

export function DelayStepBody(props: { step: DelayStep; stepKey: string }) {
  const { t } = useTranslation('editor');
  const { draft, issues, readOnly } = useEditor();
  const mode = props.step.until !== undefined ? 'until' : 'seconds';
  const seconds = props.step.seconds ?? 0;
  const unit = bestUnit(seconds);
  const write = (patch: Partial<DelayStep>) =>
    draft.updateStep(props.stepKey, (s: Step) => {
      const { seconds: _s, until: _u, ...rest } = s as DelayStep;
      return { ...rest, ...patch } as DelayStep;
    });
  const base = `step:${props.stepKey}`;
  return (
    <Stack gap="sm">
      <SegmentedControl
        size="xs"
        readOnly={readOnly}
        aria-label={t('delay.mode')}
        style={{ alignSelf: 'flex-start' }}
        value={mode}
        onChange={(v) => write(v === 'until' ? { until: '' } : { seconds: 60 })}
        data={[
          { value: 'seconds', label: t('delay.for') },
          { value: 'until', label: t('delay.until') },
        ]}
      />
      {mode === 'seconds' ? (
        <Group gap="xs" align="flex-start">
          <NumberInput
            label={t('delay.amount')}
            w={160}
            min={0}
            readOnly={readOnly}
            value={seconds / unit.factor}
            error={issuesUnder(issues, `${base}.seconds`).join('; ') || undefined}
            onChange={(v) => write({ seconds: Math.round(Number(v || 0) * unit.factor) })}
          />
          <Select
            label={t('delay.unit')}
            w={140}
            readOnly={readOnly}
            allowDeselect={false}
            value={unit.key}
            data={UNITS.map((u) => ({ value: u.key, label: t(`delay.${u.key}`) }))}
            onChange={(key) => {
              const next = UNITS.find((u) => u.key === key) ?? UNITS[0];
              write({ seconds: (seconds / unit.factor) * next.factor });
            }}
          />
        </Group>
      ) : (
        <TemplateInput
          label={t('delay.untilLabel')}
          fieldName={t('delay.untilLabel')}
          description={t('delay.untilHint', { o: '{{', c: '}}' })}
          value={props.step.until ?? ''}
          error={issuesUnder(issues, `${base}.until`).join('; ') || undefined}
          onChange={(until) => write({ until })}
        />
      )}
    </Stack>
  );
}
