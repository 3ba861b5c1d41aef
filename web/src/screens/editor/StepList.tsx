// The steps under the trigger, in order: drag to reorder (or the up/down buttons), and
// "+ добавить шаг" between and after them.
import { closestCenter, DndContext, KeyboardSensor, PointerSensor, useSensor, useSensors, type DragEndEvent } from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { Box, Text } from '@mantine/core';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { AddStepMenu } from './AddStepMenu.tsx';
import { useEditor } from './editorContext.tsx';
import { StepCard } from './StepCard.tsx';

export function StepList() {
  const { t } = useTranslation('editor');
  const { draft, readOnly } = useEditor();
  const steps = draft.draft.steps;
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 5 } }), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const onDragEnd = (e: DragEndEvent) => {
    if (!e.over || e.active.id === e.over.id) return;
    const from = steps.findIndex((s) => s.key === e.active.id);
    const to = steps.findIndex((s) => s.key === e.over!.id);
    draft.moveStep(from, to);
  };
  return (
    <Box>
      {!readOnly && steps.length > 0 && <AddStepMenu position={0} last={false} onAdd={(type) => draft.addStep(type, 0)} />}
      {readOnly && <Box className="svz-step-connector" h={16} />}
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
        <SortableContext items={steps.map((s) => s.key)} strategy={verticalListSortingStrategy}>
          {steps.map((item, index) => (
            <Fragment key={item.key}>
              <StepCard item={item} index={index} count={steps.length} />
              {!readOnly && index < steps.length - 1 && <AddStepMenu position={index + 1} last={false} onAdd={(type) => draft.addStep(type, index + 1)} />}
              {readOnly && index < steps.length - 1 && <Box className="svz-step-connector" h={16} />}
            </Fragment>
          ))}
        </SortableContext>
      </DndContext>
      {steps.length === 0 && (
        <Text size="sm" c="dimmed" mt="sm" ml="md">
          {readOnly ? t('steps.emptyReadOnly') : t('steps.empty')}
        </Text>
      )}
      {!readOnly && <AddStepMenu position={steps.length} last onAdd={(type) => draft.addStep(type, steps.length)} />}
    </Box>
  );
}
