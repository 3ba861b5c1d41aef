// /executions/:id — one run: its status and numbers, the data that started it, the step journal,
// and retry/cancel. Polls while the run is not finished.
import { Anchor, Breadcrumbs, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useSession } from '../../auth/session.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDuration, formatNumber } from '../../lib/format.ts';
import { durationMs, transactionsOf, UNFINISHED, useExecution, type ExecutionDetail } from './api.ts';
import { Collapsible } from './Collapsible.tsx';
import { useFlowNames } from '../../components/history/flows.ts';
import { Fact, RecordGate } from '../../components/history/RecordGate.tsx';
import { RunActions } from './RunActions.tsx';
import { StepTimeline } from './StepTimeline.tsx';

export function ExecutionPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation('executions');
  const query = useExecution(id);

  return (
    <RecordGate
      query={query}
      title={t('detail.title')}
      notFound={{ title: t('detail.notFound'), hint: t('detail.notFoundHint'), backTo: '/executions', backLabel: t('detail.back') }}
    >
      {(execution) => <ExecutionView execution={execution} />}
    </RecordGate>
  );
}


function ExecutionView({ execution: e }: { execution: ExecutionDetail }) {
  const { t } = useTranslation('executions');
  const { canEdit } = useSession();
  const nameOf = useFlowNames([e]);
  const flowName = nameOf(e) ?? t('unknownFlow');
  const running = UNFINISHED.has(e.status);

  return (
    <Stack gap="lg">
      <Breadcrumbs>
        <Anchor component={Link} to="/executions" size="sm">
          {t('title')}
        </Anchor>
        <Text size="sm" c="dimmed">
          {e.id}
        </Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={1} size="h2">
              {t('detail.heading', { flow: flowName })}
            </Title>
            <StatusBadge status={e.status} />
          </Group>
          {running && (
            <Text size="sm" c="dimmed">
              {t('detail.live')}
            </Text>
          )}
        </Stack>
        {canEdit && <RunActions execution={e} />}
      </Group>

      {e.error && (
        <Paper withBorder p="sm" radius="md" style={{ borderColor: 'var(--mantine-color-red-4)' }}>
          <Text size="sm" c="red" fw={500} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
            {e.errorStep ? t('detail.errorInStep', { step: e.errorStep === 'trigger' ? t('step.trigger') : e.errorStep }) : t('detail.error')}: {e.error}
          </Text>
        </Paper>
      )}

      <Paper withBorder p="md" radius="md">
        <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="md" verticalSpacing="sm">
          <Fact label={t('detail.flow')}>
            <Anchor component={Link} to={`/flows/${e.flowId}`}>
              {flowName}
            </Anchor>{' '}
            <Text span size="xs" c="dimmed">
              {t('detail.version', { version: e.flowVersion })}
            </Text>
          </Fact>
          <Fact label={t('detail.origin')}>{t(`origin.${e.origin}`, { defaultValue: e.origin })}</Fact>
          <Fact label={t('detail.webhook')}>
            {e.webhookId ? (
              <Anchor component={Link} to={`/webhooks/${e.webhookId}`}>
                {t('detail.openWebhook')}
              </Anchor>
            ) : (
              '—'
            )}
          </Fact>
          <Fact label={t('detail.created')}>
            <DateTime value={e.createdAt} seconds />
          </Fact>
          <Fact label={t('detail.started')}>
            <DateTime value={e.startedAt} seconds />
          </Fact>
          <Fact label={t('detail.finished')}>
            <DateTime value={e.finishedAt} seconds />
          </Fact>
          <Fact label={t('detail.duration')}>{formatDuration(durationMs(e))}</Fact>
          {e.nextRunAt && (
            <Fact label={e.status === 'waiting' ? t('detail.resumes') : t('detail.nextRun')}>
              <DateTime value={e.nextRunAt} seconds />
            </Fact>
          )}
          <Fact label={t('detail.retries')}>{formatNumber(e.retries)}</Fact>
          <Fact label={t('detail.attempts')}>{formatNumber(e.steps.reduce((n, s) => n + s.attempts, 0))}</Fact>
          <Fact label={t('detail.transactions')}>{formatNumber(transactionsOf(e))}</Fact>
        </SimpleGrid>
      </Paper>

      <Stack gap="xs">
        <Title order={2} size="h4">
          {t('detail.triggerTitle')}
        </Title>
        <Collapsible title={t('detail.triggerToggle')}>
          <JsonView value={e.trigger ?? {}} label={t('detail.triggerTitle')} />
        </Collapsible>
      </Stack>

      <Stack gap="xs">
        <Title order={2} size="h4">
          {t('detail.stepsTitle')}
        </Title>
        {e.steps.length === 0 ? (
          <Text size="sm" c="dimmed">
            {running ? t('detail.noStepsYet') : t('detail.noSteps')}
          </Text>
        ) : (
          <StepTimeline steps={e.steps} />
        )}
      </Stack>
    </Stack>
  );
}
