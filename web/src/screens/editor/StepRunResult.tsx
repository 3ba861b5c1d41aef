// The last test run of a step, inline under its card: status, duration, error, resolved input and output.
import { Box, Collapse, Group, SimpleGrid, Text, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { JsonView } from '../../components/JsonView.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDuration } from '../../lib/format.ts';
import type { StepRun } from './flowTypes.ts';

export function StepRunResult(props: { run: StepRun }) {
  const { t } = useTranslation('editor');
  const { run } = props;
  const [open, setOpen] = useState(run.status === 'failed');
  return (
    <Box p="xs" bg="var(--mantine-color-gray-0)" style={{ borderRadius: 8 }} data-testid={`run-${run.stepId}`}>
      <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={open} w="100%">
        <Group gap="xs">
          {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
          <Text size="sm" fw={600}>
            {t('run.stepResult')}
          </Text>
          <StatusBadge status={run.status} />
          {run.durationMs !== undefined && run.durationMs !== null && (
            <Text size="xs" c="dimmed">
              {formatDuration(run.durationMs)}
            </Text>
          )}
        </Group>
      </UnstyledButton>
      {run.error && (
        <Text size="sm" c="red" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
          {run.error}
        </Text>
      )}
      <Collapse expanded={open}>
        <SimpleGrid cols={{ base: 1, md: 2 }} mt="xs">
          <div>
            <Text size="xs" fw={600} mb={2}>
              {t('run.input')}
            </Text>
            <JsonView value={run.input ?? null} maxHeight={260} label={t('run.input')} />
          </div>
          <div>
            <Text size="xs" fw={600} mb={2}>
              {t('run.output')}
            </Text>
            <JsonView value={run.output ?? null} maxHeight={260} label={t('run.output')} />
          </div>
        </SimpleGrid>
      </Collapse>
    </Box>
  );
}
