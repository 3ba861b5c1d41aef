// The step journal as a vertical timeline: what each step got, what it gave back, why it failed.
import { Badge, Group, Stack, Text, Timeline } from '@mantine/core';
import { IconCheck, IconClock, IconFilter, IconPlayerSkipForward, IconRefresh, IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { DateTime } from '../../components/DateTime.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDuration, formatNumber } from '../../lib/format.ts';
import type { Step } from './api.ts';
import { Collapsible } from './Collapsible.tsx';

const LOOK: Record<string, { color: string; icon: typeof IconCheck }> = {
  succeeded: { color: 'green', icon: IconCheck },
  passed: { color: 'green', icon: IconCheck },
  failed: { color: 'red', icon: IconX },
  retrying: { color: 'orange', icon: IconRefresh },
  waiting: { color: 'yellow', icon: IconClock },
  filtered: { color: 'gray', icon: IconFilter },
  not_found: { color: 'gray', icon: IconFilter },
  skipped: { color: 'gray', icon: IconPlayerSkipForward },
};

/** Step statuses the shared badge does not name get their words here. */
function StepStatus(props: { status: string }) {
  const { t } = useTranslation('executions');
  if (props.status === 'passed' || props.status === 'not_found') {
    return (
      <Badge color={LOOK[props.status].color} variant="light" data-status={props.status}>
        {t(`stepStatus.${props.status}`)}
      </Badge>
    );
  }
  return <StatusBadge status={props.status} />;
}

export function StepTimeline(props: { steps: Step[] }) {
  const { t } = useTranslation('executions');
  const reached = props.steps.filter((s) => s.status !== 'skipped').length;
  return (
    <Timeline active={reached - 1} bulletSize={26} lineWidth={2}>
      {props.steps.map((step) => {
        const look = LOOK[step.status] ?? { color: 'gray', icon: IconClock };
        const Icon = look.icon;
        const isTrigger = step.type === 'trigger';
        return (
          <Timeline.Item
            key={`${step.index}-${step.stepId}`}
            color={look.color}
            bullet={<Icon size={14} aria-hidden />}
            data-step-id={step.stepId}
            title={
              <Group gap="xs" wrap="wrap">
                <Text fw={600} component="h3" size="md" m={0}>
                  {isTrigger ? t('step.trigger') : step.stepId}
                </Text>
                {!isTrigger && (
                  <Badge variant="outline" color="gray" tt="none">
                    {t(`stepType.${step.type}`, { defaultValue: step.type })}
                  </Badge>
                )}
                <StepStatus status={step.status} />
              </Group>
            }
          >
            <Stack gap={6} mt={4}>
              <Group gap="lg" wrap="wrap" style={{ rowGap: 2 }}>
                <Text size="sm" c="dimmed">
                  {t('step.started')}: <DateTime value={step.startedAt} seconds />
                </Text>
                <Text size="sm" c="dimmed">
                  {t('step.duration')}: {formatDuration(step.durationMs)}
                </Text>
                {step.attempts > 1 || (!isTrigger && step.attempts === 1) ? (
                  <Text size="sm" c="dimmed">
                    {t('step.attempts')}: {formatNumber(step.attempts)}
                  </Text>
                ) : null}
                {step.transactions > 0 && (
                  <Text size="sm" c="dimmed">
                    {t('step.transactions')}: {formatNumber(step.transactions)}
                  </Text>
                )}
                {step.resumeAt && (
                  <Text size="sm" c="dimmed">
                    {t('step.resumeAt')}: <DateTime value={step.resumeAt} seconds />
                  </Text>
                )}
              </Group>
              {step.error && (
                <Text size="sm" c="red" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} role="note">
                  {step.error}
                </Text>
              )}
              {step.input !== null && step.input !== undefined && (
                <Collapsible title={isTrigger ? t('step.received') : t('step.input')} defaultOpen={step.status === 'failed'}>
                  <JsonView value={step.input} maxHeight={320} label={t('step.input')} />
                </Collapsible>
              )}
              {step.output !== null && step.output !== undefined && (
                <Collapsible title={isTrigger ? t('step.triggerData') : t('step.output')}>
                  <JsonView value={step.output} maxHeight={320} label={t('step.output')} />
                </Collapsible>
              )}
            </Stack>
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}
