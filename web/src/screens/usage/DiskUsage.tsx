// Disk: what the workspace's history, journals and data store take, as last measured in the
// background, against the plan's limit for history and journals when it has one.
import { Paper, Progress, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useTimeZone } from '../../auth/session.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { formatSize } from './size.ts';
import type { Usage } from './types.ts';

export function DiskUsage(props: { usage: Usage }) {
  const { t } = useTranslation('usage');
  const tz = useTimeZone();
  const s = props.usage.storage;
  const size = (n: number) => formatSize(n, t);
  const limited = s.historyBytes + s.journalBytes;
  const share = s.limitBytes ? limited / s.limitBytes : 0;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-disk" data-testid="disk-usage">
      <Stack gap="sm">
        <div>
          <Title order={2} size="h4" id="usage-disk">
            {t('disk.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {s.measuredAt ? t('disk.measured', { date: formatDateTime(s.measuredAt, tz) }) : t('disk.notMeasured')}
          </Text>
        </div>
        <Text data-testid="disk-line">
          {t('disk.line', { history: size(s.historyBytes), journals: size(s.journalBytes), store: size(s.storeBytes), total: size(s.totalBytes) })}
        </Text>
        {s.limitBytes !== null ? (
          <Stack gap={6}>
            <Progress value={Math.min(100, Math.round(share * 10_000) / 100)} color={share >= 1 ? 'red' : share >= 0.8 ? 'yellow' : 'blue'} size="lg" aria-label={t('disk.meterLabel')} />
            <Text size="sm" data-testid="disk-limit">
              {t('disk.limit', { used: size(limited), limit: size(s.limitBytes), percent: Math.floor(share * 100) })}
            </Text>
            <Text size="sm" c="dimmed">
              {t('disk.limitHint', { days: props.usage.history.keptDays })}
            </Text>
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            {t('disk.noLimit', { days: props.usage.history.keptDays })}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
