// The plan catalog with the current plan marked; the instance operator switches plans from here.
import { Badge, Paper, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { notify } from '../settings/notify.ts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatNumber, formatRoubles } from '../../lib/format.ts';
import { planName } from './planName.ts';
import { formatSize } from './size.ts';
import { NOTIFICATIONS_KEY, USAGE_KEY } from './queries.ts';
import type { Plan, PlanCatalog, Usage } from './types.ts';

export function PlansTable(props: { catalog: PlanCatalog; usage: Usage; highlight?: string | null }) {
  const { t } = useTranslation('usage');
  const { isOperator } = useSession();
  const client = useQueryClient();
  const current = props.usage.plan.id;
  // The disk limit is the operator's own figure (the page's plans have none): a column only when a plan sets one.
  const disk = props.catalog.items.some((p) => p.historyBytes);
  const change = useMutation({
    mutationFn: (plan: Plan) => api<{ plan: Plan }>('/billing/plan', { method: 'PUT', body: { planId: plan.id } }),
    onSuccess: async (res) => {
      notify({ color: 'green', message: t('plans.changed', { plan: planName(res.plan) }) });
      await Promise.all([client.invalidateQueries({ queryKey: USAGE_KEY }), client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY })]);
    },
  });

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-plans">
      <Stack gap="md">
        <div>
          <Title order={2} size="h4" id="usage-plans">
            {t('plans.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('plans.hint')}
          </Text>
        </div>
        <ErrorAlert error={change.error} title={t('plans.changeFailed')} />
        <Table.ScrollContainer minWidth={900}>
          <Table highlightOnHover aria-labelledby="usage-plans" verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('plans.plan')}</Table.Th>
                <Table.Th ta="right">{t('plans.price')}</Table.Th>
                <Table.Th ta="right">{t('plans.transactions')}</Table.Th>
                <Table.Th ta="right">{t('plans.orders')}</Table.Th>
                <Table.Th ta="right">{t('plans.webhooks')}</Table.Th>
                <Table.Th ta="right">{t('plans.perSecond')}</Table.Th>
                <Table.Th ta="right">{t('plans.history')}</Table.Th>
                {disk && <Table.Th ta="right">{t('plans.disk')}</Table.Th>}
                <Table.Th ta="right">{t('plans.parsing')}</Table.Th>
                <Table.Th>
                  <VisuallyHidden>{t('plans.action')}</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {props.catalog.items.map((plan) => {
                const isCurrent = plan.id === current;
                const suggested = plan.id === props.highlight;
                return (
                  <Table.Tr
                    key={plan.id}
                    bg={isCurrent ? 'var(--mantine-color-blue-light)' : suggested ? 'var(--mantine-color-teal-light)' : undefined}
                    data-testid={`plan-${plan.id}`}
                    aria-current={isCurrent ? 'true' : undefined}
                  >
                    <Table.Td>
                      <Stack gap={2} align="flex-start">
                        <Text fw={isCurrent ? 700 : 500} size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {planName(plan)}
                        </Text>
                        {isCurrent && <Badge size="sm" color="blue.8" tt="none">{props.usage.trialEndsAt ? t('plans.currentTrial') : t('plans.current')}</Badge>}
                        {suggested && !isCurrent && <Badge size="sm" color="teal.9" tt="none">{t('plans.suggested')}</Badge>}
                      </Stack>
                    </Table.Td>
                    <Table.Td ta="right">{plan.priceKopecks === null ? <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>{t('plans.noPrice')}</Text> : t('plans.perMonth', { price: formatRoubles(plan.priceKopecks) })}</Table.Td>
                    <Table.Td ta="right">{formatNumber(plan.transactionsPerMonth)}</Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>≈ {formatNumber(plan.ordersPerMonth)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(plan.webhooksPerMonth)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(plan.webhooksPerSecond)}</Table.Td>
                    <Table.Td ta="right">{t('plans.days', { count: plan.historyDays })}</Table.Td>
                    {disk && <Table.Td ta="right">{plan.historyBytes ? formatSize(plan.historyBytes, t) : t('plans.unlimited')}</Table.Td>}
                    <Table.Td ta="right">{t('plans.days', { count: plan.marketplaceParsingDays })}</Table.Td>
                    <Table.Td>
                      {!isCurrent && isOperator && (
                        <ConfirmButton
                          style={{ whiteSpace: 'nowrap' }}
                          size="xs"
                          variant="default"
                          color="blue"
                          question={t('plans.confirmQuestion', { plan: planName(plan) })}
                          details={t('plans.confirmDetails', {
                            used: formatNumber(props.usage.transactions.used),
                            limit: formatNumber(plan.transactionsPerMonth),
                          })}
                          confirmLabel={t('plans.switch')}
                          onConfirm={async () => {
                            await change.mutateAsync(plan).catch(() => undefined);
                          }}
                          aria-label={t('plans.switchTo', { plan: planName(plan) })}
                        >
                          {t('plans.switch')}
                        </ConfirmButton>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {!isOperator && (
          <Text size="sm" c="dimmed">
            {t('plans.operatorOnly')}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
