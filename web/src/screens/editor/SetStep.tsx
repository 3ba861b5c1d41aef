// A set step: named values (templates) later steps read as `{{steps.<id>.<name>}}`.
import { ActionIcon, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import type { SetStep, Step } from './flowTypes.ts';
import { issuesUnder } from './issues.ts';
import { ValueInput } from './ValueInput.tsx';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function SetStepBody(props: { step: SetStep; stepKey: string }) {
  const { t } = useTranslation('editor');
  const { draft, issues, readOnly } = useEditor();
  const entries = Object.entries(props.step.values ?? {});
  const write = (list: Array<[string, unknown]>) => draft.updateStep(props.stepKey, (s: Step) => ({ ...(s as SetStep), values: Object.fromEntries(list) }));
  const names = entries.map(([k]) => k);
  const freshName = () => {
    for (let n = entries.length + 1; ; n++) if (!names.includes(`value${n}`)) return `value${n}`;
  };
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {t('set.hint', { id: props.step.id, o: '{{', c: '}}' })}
      </Text>
      {entries.map(([name, value], i) => {
        const bad = !NAME_RE.test(name) ? t('set.badName') : names.indexOf(name) !== i ? t('set.duplicate') : undefined;
        return (
          <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
            <TextInput
              w={180}
              label={t('set.name')}
              readOnly={readOnly}
              value={name}
              error={bad}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              onChange={(e) => write(entries.map(([k, v], n) => (n === i ? [e.currentTarget.value.trim(), v] : [k, v])))}
            />
            <div style={{ flex: 1 }}>
              <ValueInput
                label={t('set.value')}
                fieldName={name}
                value={value}
                error={issuesUnder(issues, `step:${props.stepKey}.values.${name}`).join('; ') || undefined}
                onChange={(v) => write(entries.map(([k, old], n) => (n === i ? [k, v] : [k, old])))}
              />
            </div>
            {!readOnly && entries.length > 1 && (
              <ActionIcon mt={25} variant="subtle" color="red" aria-label={t('set.remove', { name })} onClick={() => write(entries.filter((_, n) => n !== i))}>
                <IconTrash size={16} />
              </ActionIcon>
            )}
          </Group>
        );
      })}
      {!readOnly && (
        <Button variant="subtle" size="xs" leftSection={<IconPlus size={14} />} style={{ alignSelf: 'flex-start' }} onClick={() => write([...entries, [freshName(), '']])}>
          {t('set.add')}
        </Button>
      )}
    </Stack>
  );
}
