// One step: drag handle, type and title, id (renamable), move up/down, delete; the body for
// its type; the last test run's result under it.
import { useSortable } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { ActionIcon, Alert, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconGripVertical, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { ActionStepBody } from './ActionStep.tsx';
import { STEP_ICONS } from './AddStepMenu.tsx';
import { DelayStepBody } from './DelayStep.tsx';
import { findAction, labelOf, useEditor } from './editorContext.tsx';
import { FilterStepBody } from './FilterStep.tsx';
import { issuesAt } from './issues.ts';
import { RouterStepBody } from './RouterStep.tsx';
import { SetStepBody } from './SetStep.tsx';
import { StoreStepBody } from './StoreStep.tsx';
import { StepIdEditor } from './StepIdEditor.tsx';
import { StepIndexContext } from './stepScope.ts';
import { StepRunResult } from './StepRunResult.tsx';
import type { DraftStep } from './useFlowDraft.ts';

/** Step-level problems (not tied to one input): shown at the top of the card. */
const STEP_LEVEL = ['', '.type', '.connector', '.action', '.connection', '.all', '.any', '.seconds', '.until', '.values', '.input', '.onError', '.onNotFound', '.retry'];

export function StepCard(props: { item: DraftStep; index: number; count: number }) {
  const { t, i18n } = useTranslation('editor');
  const ed = useEditor();
  const { item, index } = props;
  const step = item.step;
  const sortable = useSortable({ id: item.key, disabled: ed.readOnly });
  const style = { transform: CSS.Transform.toString(sortable.transform), transition: sortable.transition, zIndex: sortable.isDragging ? 2 : undefined };
  const Icon = STEP_ICONS[step.type];
  const base = `step:${item.key}`;
  const stepIssues = STEP_LEVEL.flatMap((suffix) => issuesAt(ed.issues, base + suffix));
  const idIssue = issuesAt(ed.issues, `${base}.id`).join('; ');
  const action = step.type === 'action' ? findAction(ed.catalogs, step.connector, step.action) : undefined;
  const title =
    step.type === 'action' ? (action ? labelOf(action, i18n.language) : t('stepType.action')) : t(`stepType.${step.type}`);
  const otherIds = ed.draft.draft.steps.filter((s) => s.key !== item.key).map((s) => s.step.id);
  const run = ed.runs.get(step.id);

  return (
    <Card
      ref={sortable.setNodeRef}
      style={style}
      withBorder
      radius="md"
      padding="md"
      shadow={sortable.isDragging ? 'lg' : undefined}
      data-testid={`step-${step.id}`}
      aria-label={t('steps.cardLabel', { n: index + 1, id: step.id })}
      component="section"
    >
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            {!ed.readOnly && (
              <ActionIcon variant="subtle" color="gray" aria-label={t('steps.drag', { id: step.id })} {...sortable.attributes} {...sortable.listeners} style={{ cursor: 'grab' }}>
                <IconGripVertical size={16} />
              </ActionIcon>
            )}
            <Text size="sm" c="dimmed" fw={700} aria-hidden>
              {index + 1}
            </Text>
            {step.type === 'action' && step.connector ? <ConnectorIcon connector={step.connector} size={24} /> : <Icon size={20} aria-hidden />}
            <Text fw={600} truncate component="h3" m={0} size="md">
              {title}
            </Text>
            <StepIdEditor id={step.id} otherIds={otherIds} readOnly={ed.readOnly} onRename={(id) => ed.draft.renameStep(item.key, id)} error={idIssue || undefined} />
          </Group>
          {!ed.readOnly && (
            <Group gap={2} wrap="nowrap">
              <Tooltip label={t('steps.up')}>
                <ActionIcon variant="subtle" color="gray" disabled={index === 0} aria-label={t('steps.upNamed', { id: step.id })} onClick={() => ed.draft.moveStep(index, index - 1)}>
                  <IconArrowUp size={16} />
                </ActionIcon>
              </Tooltip>
              <Tooltip label={t('steps.down')}>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  disabled={index === props.count - 1}
                  aria-label={t('steps.downNamed', { id: step.id })}
                  onClick={() => ed.draft.moveStep(index, index + 1)}
                >
                  <IconArrowDown size={16} />
                </ActionIcon>
              </Tooltip>
              <ConfirmButton
                variant="subtle"
                color="red"
                size="compact-sm"
                aria-label={t('steps.deleteNamed', { id: step.id })}
                question={t('steps.deleteQuestion', { id: step.id })}
                details={t('steps.deleteDetails')}
                confirmLabel={t('steps.delete')}
                onConfirm={() => ed.draft.removeStep(item.key)}
              >
                <IconTrash size={16} />
              </ConfirmButton>
            </Group>
          )}
        </Group>
        {stepIssues.length > 0 && (
          <Alert color="red" variant="light" p="xs" role="alert">
            {stepIssues.map((m) => (
              <Text key={m} size="sm">{m}</Text>
            ))}
          </Alert>
        )}
        {idIssue && <Text size="sm" c="red">{idIssue}</Text>}
        <StepIndexContext.Provider value={index}>
          {step.type === 'action' && <ActionStepBody step={step} stepKey={item.key} />}
          {step.type === 'filter' && <FilterStepBody step={step} stepKey={item.key} />}
          {step.type === 'set' && <SetStepBody step={step} stepKey={item.key} />}
          {step.type === 'delay' && <DelayStepBody step={step} stepKey={item.key} />}
          {step.type === 'router' && <RouterStepBody step={step} stepKey={item.key} />}
          {step.type === 'store' && <StoreStepBody step={step} stepKey={item.key} />}
        </StepIndexContext.Provider>
        {run && <StepRunResult run={run} />}
      </Stack>
    </Card>
  );
}
