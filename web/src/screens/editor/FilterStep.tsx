// A filter step: "all" or "any" of the conditions; each row is left (a template with the picker),
// the operator in words, and right (hidden for "exists"/"does not exist").
import { ActionIcon, Button, Group, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import { CONDITION_OPS, UNARY_OPS, type Condition, type ConditionOp, type FilterStep, type Step } from './flowTypes.ts';
import { issuesAt, issuesUnder } from './issues.ts';
import { TemplateInput } from './TemplateInput.tsx';

export function FilterStepBody(props: { step: FilterStep; stepKey: string }) {
  const { t } = useTranslation('editor');
  const { draft, issues, readOnly } = useEditor();
  const mode: 'all' | 'any' = props.step.any ? 'any' : 'all';
  const conditions = props.step[mode] ?? [];
  const base = `step:${props.stepKey}.${mode}`;
  const write = (mode2: 'all' | 'any', list: Condition[]) =>
    draft.updateStep(props.stepKey, (s: Step) => {
      const { all: _a, any: _b, ...rest } = s as FilterStep;
      return { ...rest, [mode2]: list } as FilterStep;
    });
  const setRow = (i: number, patch: Partial<Condition>) => write(mode, conditions.map((c, n) => (n === i ? { ...c, ...patch } : c)));

  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Text size="sm">{t('filter.pass')}</Text>
        <SegmentedControl
          size="xs"
          readOnly={readOnly}
          aria-label={t('filter.mode')}
          value={mode}
          onChange={(v) => write(v as 'all' | 'any', conditions)}
          data={[
            { value: 'all', label: t('filter.all') },
            { value: 'any', label: t('filter.any') },
          ]}
        />
      </Group>
      {conditions.map((c, i) => {
        const rowIssue = issuesAt(issues, `${base}.${i}`).join('; ');
        return (
          <Stack key={i} gap={4}>
            <Group gap="xs" align="flex-start" wrap="wrap">
              <div style={{ flex: '2 1 260px' }}>
                <TemplateInput
                  label={t('filter.left')}
                  fieldName={t('filter.leftN', { n: i + 1 })}
                  value={c.left}
                  error={issuesUnder(issues, `${base}.${i}.left`).join('; ') || undefined}
                  onChange={(left) => setRow(i, { left })}
                />
              </div>
              <Select
                style={{ flex: '1 1 170px' }}
                label={t('filter.op')}
                readOnly={readOnly}
                allowDeselect={false}
                value={c.op}
                data={CONDITION_OPS.map((op) => ({ value: op, label: t(`op.${op}`) }))}
                onChange={(op) => op && setRow(i, UNARY_OPS.has(op) ? { op: op as ConditionOp, right: undefined } : { op: op as ConditionOp })}
              />
              {!UNARY_OPS.has(c.op) && (
                <div style={{ flex: '2 1 220px' }}>
                  <TemplateInput
                    label={t('filter.right')}
                    fieldName={t('filter.rightN', { n: i + 1 })}
                    value={c.right === undefined || c.right === null ? '' : typeof c.right === 'string' ? c.right : JSON.stringify(c.right)}
                    placeholder={c.op === 'in' ? t('filter.inPlaceholder') : c.op === 'regex' ? '^\\d+$' : undefined}
                    error={issuesUnder(issues, `${base}.${i}.right`).join('; ') || undefined}
                    onChange={(right) => setRow(i, { right })}
                  />
                </div>
              )}
              {!readOnly && conditions.length > 1 && (
                <ActionIcon mt={25} variant="subtle" color="red" aria-label={t('filter.removeRow', { n: i + 1 })} onClick={() => write(mode, conditions.filter((_, n) => n !== i))}>
                  <IconTrash size={16} />
                </ActionIcon>
              )}
            </Group>
            {rowIssue && (
              <Text size="xs" c="red">
                {rowIssue}
              </Text>
            )}
          </Stack>
        );
      })}
      {!readOnly && (
        <Button variant="subtle" size="xs" leftSection={<IconPlus size={14} />} style={{ alignSelf: 'flex-start' }} onClick={() => write(mode, [...conditions, { left: '', op: 'eq', right: '' }])}>
          {t('filter.addRow')}
        </Button>
      )}
    </Stack>
  );
}
