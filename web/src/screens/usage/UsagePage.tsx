// Тариф и расход: this month against the quotas, usage by day, by flow and connector, the plans,
// the calculator, and the balance; the operator also changes the plan and the balance here.
import { Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../auth/session.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { BalanceActions } from './BalanceActions.tsx';
import { BalanceLedger } from './BalanceLedger.tsx';
import { Breakdown } from './Breakdown.tsx';
import { DailyChart } from './DailyChart.tsx';
import { DiskUsage } from './DiskUsage.tsx';
import { MonthSummary } from './MonthSummary.tsx';
import { PlanCalculator } from './PlanCalculator.tsx';
import { PlansTable } from './PlansTable.tsx';
import { usePlans, useUsage } from './queries.ts';

export function UsagePage() {
  const { t } = useTranslation('usage');
  const usage = useUsage();
  const plans = usePlans();
  const [suggested, setSuggested] = useState<string | null>(null);
  const { isOperator } = useSession();

  return (
    <Stack gap="lg" maw={1280}>
      <Title order={1} size="h2">
        {t('title')}
      </Title>
      <ErrorAlert error={usage.error ?? plans.error} />
      {(usage.isPending || plans.isPending) && !usage.error && !plans.error && (
        <Center py="xl">
          <Loader aria-label={t('loading')} />
        </Center>
      )}
      {usage.data && (
        <>
          <MonthSummary usage={usage.data} />
          <DiskUsage usage={usage.data} />
          <DailyChart usage={usage.data} />
          <Breakdown usage={usage.data} />
        </>
      )}
      {usage.data && plans.data && <PlansTable catalog={plans.data} usage={usage.data} highlight={suggested} />}
      {plans.data && <PlanCalculator plans={plans.data.items} onSuggested={setSuggested} />}
      <BalanceLedger />
      {isOperator && (
        <Paper withBorder p="md" component="section" aria-labelledby="usage-operator">
          <Stack gap="md">
            <div>
              <Title order={2} size="h4" id="usage-operator">
                {t('actions.title')}
              </Title>
              <Text size="sm" c="dimmed">
                {t('actions.hint')}
              </Text>
            </div>
            <BalanceActions />
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
