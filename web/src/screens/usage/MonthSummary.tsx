// This month: plan, trial, and used / limit / remaining of both quotas.
import { Badge, Group, Paper, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useTimeZone } from '../../auth/session.tsx';
import { formatDate, formatNumber } from '../../lib/format.ts';
import { planName } from './planName.ts';
import type { Quota, Usage } from './types.ts';

function quotaColor(share: number): string {
  if (share >= 1) return 'red';
  if (share >= 0.8) return 'yellow';
  return 'blue';
}

function QuotaMeter(props: { kind: 'transactions' | 'webhooks'; quota: Quota }) {
  const { t } = useTranslation('usage');
  const { used, limit, remaining } = props.quota;
  const share = limit > 0 ? used / limit : 0;
  // Rounded: a tiny share would reach aria-valuenow as "5e-7", which is not a valid value.
  const percent = Math.min(100, Math.round(share * 10_000) / 100);
  const label = t(`month.${props.kind}`);
  return (
    <Stack gap={6} data-testid={`quota-${props.kind}`}>
      <Group justify="space-between" align="baseline">
        <Text fw={600}>{label}</Text>
        <Text size="sm" c="dimmed">
          {t('month.percent', { percent: share > 0 && share < 0.01 ? '< 1' : Math.floor(share * 100) })}
        </Text>
      </Group>
      <Progress value={percent} color={quotaColor(share)} size="lg" aria-label={t('month.meterLabel', { what: label })} />
      <Group gap="lg">
        <Text size="sm">
          {t('month.used')}: <b data-testid={`${props.kind}-used`}>{formatNumber(used)}</b> {t('month.of')} {formatNumber(limit)}
        </Text>
        <Text size="sm" c={remaining === 0 ? 'red' : undefined}>
          {t('month.remaining')}: <b>{formatNumber(remaining)}</b>
        </Text>
      </Group>
    </Stack>
  );
}

export function MonthSummary(props: { usage: Usage }) {
  const { t, i18n } = useTranslation('usage');
  const tz = useTimeZone();
  const { usage } = props;
  const monthName = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'ru-RU', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${usage.period.month}-01T00:00:00Z`),
  );
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-month">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={2} size="h4" id="usage-month">
              {t('month.title', { month: monthName })}
            </Title>
            <Text size="sm" c="dimmed">
              {t('month.resets', { date: formatDate(usage.period.end, 'Europe/Moscow') })}
            </Text>
          </div>
          <Stack gap={4} align="flex-end">
            <Group gap="xs">
              <Text size="sm">{t('month.plan')}:</Text>
              <Badge size="lg" color="blue.8" tt="none" data-testid="current-plan">
                {planName(usage.plan)}
              </Badge>
              {usage.trialEndsAt && <Badge color="grape.8" tt="none">{t('month.trial')}</Badge>}
            </Group>
            {usage.trialEndsAt && !usage.trialEnded && (
              <Text size="sm" c="dimmed">
                {t('month.trialEnds', { date: formatDate(usage.trialEndsAt, tz) })}
              </Text>
            )}
            {usage.trialEnded && (
              <Text size="sm" c="red.9" fw={600} data-testid="trial-ended">
                {t('month.trialEnded')}
              </Text>
            )}
          </Stack>
        </Group>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
          <QuotaMeter kind="transactions" quota={usage.transactions} />
          <QuotaMeter kind="webhooks" quota={usage.webhooks} />
        </SimpleGrid>
        <Text size="sm" c="dimmed">
          {t('month.history', { days: usage.history.keptDays })}{' '}
          {usage.history.oldestWebhookAt
            ? t('month.oldest', { date: formatDate(usage.history.oldestWebhookAt, tz) })
            : t('month.noWebhooks')}
        </Text>
      </Stack>
    </Paper>
  );
}
