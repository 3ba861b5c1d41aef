// "Which plan fits": orders a month (and, if known, webhooks) → GET /plans/suggest, with the
// arithmetic spelled out from the numbers it returns.
import { Group, List, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatNumber } from '../../lib/format.ts';
import { planName } from './planName.ts';
import { useSuggestion } from './queries.ts';
import type { Plan, Suggestion } from './types.ts';

function Arithmetic(props: { s: Suggestion; largest: Plan | undefined }) {
  const { t } = useTranslation('usage');
  const { s } = props;
  const n = formatNumber;
  return (
    <List size="sm" spacing={4} data-testid="calculator-steps">
      <List.Item>{t('calc.stepTransactions', { orders: n(s.ordersPerMonth), low: n(s.transactionsLow), high: n(s.transactionsHigh) })}</List.Item>
      <List.Item>
        {s.webhooksGiven
          ? t('calc.stepWebhooksGiven', { webhooks: n(s.webhooksPerMonth) })
          : t('calc.stepWebhooks', { high: n(s.transactionsHigh), webhooks: n(s.webhooksPerMonth) })}
      </List.Item>
      <List.Item>
        {s.plan
          ? t('calc.stepPlan', { high: n(s.transactionsHigh), webhooks: n(s.webhooksPerMonth), plan: planName(s.plan) })
          : t('calc.stepNone', { high: n(s.transactionsHigh), webhooks: n(s.webhooksPerMonth), plan: props.largest ? planName(props.largest) : '—' })}
      </List.Item>
    </List>
  );
}

export function PlanCalculator(props: { plans: Plan[]; onSuggested(planId: string | null): void }) {
  const { t } = useTranslation('usage');
  const [orders, setOrders] = useState<number | string>(500);
  const [webhooks, setWebhooks] = useState<number | string>('');
  const [debounced] = useDebouncedValue({ orders, webhooks }, 300);
  const ordersValue = typeof debounced.orders === 'number' && debounced.orders >= 0 ? Math.floor(debounced.orders) : null;
  const webhooksValue = typeof debounced.webhooks === 'number' && debounced.webhooks >= 0 ? Math.floor(debounced.webhooks) : undefined;
  const suggestion = useSuggestion(ordersValue, webhooksValue);
  const largest = [...props.plans].sort((a, b) => b.transactionsPerMonth - a.transactionsPerMonth)[0];
  const suggested = suggestion.data?.plan?.id ?? null;
  const { onSuggested } = props;
  // The plans table marks the suggested plan.
  useEffect(() => onSuggested(suggested), [suggested, onSuggested]);

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-calc">
      <Stack gap="md">
        <div>
          <Title order={2} size="h4" id="usage-calc">
            {t('calc.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('calc.hint')}
          </Text>
        </div>
        <Group align="flex-start" grow preventGrowOverflow={false}>
          <NumberInput label={t('calc.orders')} min={0} max={1_000_000_000} allowDecimal={false} allowNegative={false} thousandSeparator=" " value={orders} onChange={setOrders} maw={260} />
          <NumberInput
            label={t('calc.webhooks')}
            description={t('calc.webhooksHint')}
            min={0}
            allowDecimal={false}
            allowNegative={false}
            thousandSeparator=" "
            value={webhooks}
            onChange={setWebhooks}
            maw={260}
          />
        </Group>
        <ErrorAlert error={suggestion.error} />
        {suggestion.data && (
          <Paper withBorder p="md" bg="gray.0" data-testid="calculator-result" role="status">
            <Text fw={700} mb="xs">
              {suggestion.data.plan ? t('calc.result', { plan: planName(suggestion.data.plan) }) : t('calc.noPlan')}
            </Text>
            <Arithmetic s={suggestion.data} largest={largest} />
          </Paper>
        )}
      </Stack>
    </Paper>
  );
}
