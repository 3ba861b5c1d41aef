// The step's id, shown small beside its title; renaming validates the id and rewrites the
// `{{steps.<old>…}}` references of later steps.
import { ActionIcon, Badge, Group, TextInput, Tooltip } from '@mantine/core';
import { IconCheck, IconPencil, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { stepIdProblem } from './stepRefs.ts';

export function StepIdEditor(props: { id: string; otherIds: string[]; readOnly: boolean; onRename(id: string): void; error?: string }) {
  const { t } = useTranslation('editor');
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(props.id);
  const problem = value === props.id ? null : stepIdProblem(value, props.otherIds);
  const commit = () => {
    if (problem) return;
    if (value !== props.id) props.onRename(value);
    setEditing(false);
  };
  if (!editing) {
    return (
      <Group gap={2} wrap="nowrap">
        <Tooltip label={t('stepId.hint', { id: props.id, o: '{{', c: '}}' })}>
          <Badge variant="outline" color={props.error ? 'red' : 'gray'} tt="none" ff="monospace" title={props.error}>
            {props.id}
          </Badge>
        </Tooltip>
        {!props.readOnly && (
          <ActionIcon
            variant="subtle"
            size="sm"
            color="gray"
            aria-label={t('stepId.rename', { id: props.id })}
            onClick={() => {
              setValue(props.id);
              setEditing(true);
            }}
          >
            <IconPencil size={14} />
          </ActionIcon>
        )}
      </Group>
    );
  }
  return (
    <Group gap={4} wrap="nowrap" align="flex-start">
      <TextInput
        size="xs"
        w={180}
        aria-label={t('stepId.label')}
        value={value}
        autoFocus
        onChange={(e) => setValue(e.currentTarget.value.trim())}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setEditing(false);
        }}
        error={problem ? t(`stepId.${problem}`) : undefined}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
      <ActionIcon size="md" variant="light" aria-label={t('stepId.apply')} onClick={commit} disabled={Boolean(problem)}>
        <IconCheck size={14} />
      </ActionIcon>
      <ActionIcon size="md" variant="subtle" color="gray" aria-label={t('cancel')} onClick={() => setEditing(false)}>
        <IconX size={14} />
      </ActionIcon>
    </Group>
  );
}
