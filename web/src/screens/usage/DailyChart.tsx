// Transactions and webhooks per day (the 90-day series), each against the even daily pace of its
// monthly quota. The pace line is drawn only when it fits the same scale as the bars; otherwise it
// would flatten them, and the pace is said in words below the chart.
import { BarChart } from '@mantine/charts';
import { Group, Paper, SegmentedControl, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../lib/format.ts';
import type { DayUsage, Usage } from './types.ts';

type Kind = 'transactions' | 'webhooks';
const COLORS: Record<Kind, string> = { transactions: 'blue.6', webhooks: 'grape.6' };

function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** The next round number (1, 2, 2.5 or 5 × 10ⁿ) at or above x, for the y axis's top. */
function niceCeil(x: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, x)));
  return ([1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= x) ?? 10 * power);
}

function DayChart(props: { kind: Kind; days: DayUsage[]; monthlyLimit: number; month: string }) {
  const { t, i18n } = useTranslation('usage');
  const pace = Math.floor(props.monthlyLimit / daysInMonth(props.month));
  const max = Math.max(0, ...props.days.map((d) => d[props.kind]));
  // Drawn only when bars and line share a scale: neither flattens the other.
  const showPace = max >= pace * 0.25 && pace >= max * 0.05;
  const dayLabel = new Intl.DateTimeFormat(i18n.language === 'en' ? 'en-GB' : 'ru-RU', { day: '2-digit', month: '2-digit', timeZone: 'UTC' });
  const data = props.days.map((d) => ({ day: dayLabel.format(new Date(`${d.day}T00:00:00Z`)), [props.kind]: d[props.kind] }));
  const total = props.days.reduce((sum, d) => sum + d[props.kind], 0);
  const title = t(`daily.${props.kind}`);
  return (
    <Stack gap="xs" data-testid={`chart-${props.kind}`}>
      <Group justify="space-between">
        <Text fw={600}>{title}</Text>
        <Text size="sm" c="dimmed">
          {t('daily.total', { n: formatNumber(total) })}
        </Text>
      </Group>
      <BarChart
        h={220}
        data={data}
        dataKey="day"
        series={[{ name: props.kind, label: title, color: COLORS[props.kind] }]}
        valueFormatter={(v) => formatNumber(v)}
        tickLine="y"
        minBarSize={total > 0 ? 2 : 0}
        referenceLines={showPace ? [{ y: pace, label: t('daily.paceLine', { n: formatNumber(pace) }), color: 'red.6', labelPosition: 'insideTopLeft' }] : []}
        yAxisProps={{ allowDecimals: false, ...(showPace && pace > max ? { domain: [0, niceCeil(pace * 1.1)] } : {}) }}
        aria-label={t('daily.chartLabel', { what: title })}
        role="img"
      />
      <Text size="xs" c="dimmed">
        {t('daily.pace', { n: formatNumber(pace), limit: formatNumber(props.monthlyLimit) })}
      </Text>
    </Stack>
  );
}

export function DailyChart(props: { usage: Usage }) {
  const { t } = useTranslation('usage');
  const [range, setRange] = useState('30');
  const days = props.usage.daily.slice(-Number(range));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-daily">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h4" id="usage-daily">
            {t('daily.title')}
          </Title>
          <SegmentedControl
            size="xs"
            value={range}
            onChange={setRange}
            aria-label={t('daily.range')}
            data={[
              { value: '30', label: t('daily.days30') },
              { value: '90', label: t('daily.days90') },
            ]}
          />
        </Group>
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
          <DayChart kind="transactions" days={days} monthlyLimit={props.usage.transactions.limit} month={props.usage.period.month} />
          <DayChart kind="webhooks" days={days} monthlyLimit={props.usage.webhooks.limit} month={props.usage.period.month} />
        </SimpleGrid>
      </Stack>
    </Paper>
  );
}
