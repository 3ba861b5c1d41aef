// A router step: its branches at a glance (conditions, steps) and the branches edited as JSON —
// the flow format itself; the server checks it on save and names the place of each problem.
import { Badge, Group, JsonInput, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import type { Condition, RouterStep, Step } from './flowTypes.ts';
import { issuesUnder } from './issues.ts';

function describeStep(step: Step): string {
  return step.type === 'action' ? `${step.id}: ${step.connector}.${step.action}` : `${step.id}: ${step.type}`;
}

function describeConditions(conditions: readonly Condition[] | undefined): string {
  return (conditions ?? []).map((c) => `${c.left} ${c.op}${c.right === undefined ? '' : ` ${JSON.stringify(c.right)}`}`).join('; ');
}

export function RouterStepBody(props: { step: RouterStep; stepKey: string }) {
  const { t } = useTranslation('editor');
  const { draft, issues, readOnly } = useEditor();
  const shape = { branches: props.step.branches, otherwise: props.step.otherwise ?? [] };
  const [text, setText] = useState(() => JSON.stringify(shape, null, 2));
  const [parseError, setParseError] = useState<string | null>(null);
  const problems = issuesUnder(issues, `step:${props.stepKey}`);

  const edit = (value: string) => {
    setText(value);
    try {
      const parsed = JSON.parse(value) as { branches?: RouterStep['branches']; otherwise?: RouterStep['otherwise'] };
      setParseError(null);
      draft.updateStep(props.stepKey, (s: Step) => ({ ...(s as RouterStep), branches: parsed.branches ?? [], otherwise: parsed.otherwise }));
    } catch (error) {
      setParseError(t('router.badJson', { message: (error as Error).message }));
    }
  };

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        {t('router.title')}
      </Text>
      {props.step.branches.map((branch) => (
        <Stack key={branch.id} gap={2} data-testid={`branch-${branch.id}`}>
          <Group gap="xs">
            <Badge variant="light">{branch.name ?? branch.id}</Badge>
            <Text size="xs" c="dimmed">
              {branch.all ? t('router.conditionsAll') : t('router.conditionsAny')}: {describeConditions(branch.all ?? branch.any)}
            </Text>
          </Group>
          <Text size="sm" pl="md">
            {branch.steps.length ? branch.steps.map(describeStep).join(' → ') : t('router.none')}
          </Text>
        </Stack>
      ))}
      <Stack gap={2}>
        <Badge variant="outline" color="gray">
          {t('router.otherwise')}
        </Badge>
        <Text size="sm" pl="md">
          {props.step.otherwise?.length ? props.step.otherwise.map(describeStep).join(' → ') : t('router.none')}
        </Text>
      </Stack>
      <JsonInput
        label={t('router.json')}
        description={t('router.jsonHint')}
        value={text}
        onChange={edit}
        readOnly={readOnly}
        autosize
        minRows={6}
        maxRows={24}
        error={parseError ?? (problems.length ? problems.join('; ') : undefined)}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
      />
    </Stack>
  );
}
