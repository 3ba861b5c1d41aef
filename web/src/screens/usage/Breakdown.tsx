// This month's transactions by flow and by connector.
import { Anchor, Group, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { formatNumber } from '../../lib/format.ts';
import { useFlowNames } from './queries.ts';
import type { Usage } from './types.ts';

function Share(props: { part: number; total: number }) {
  const percent = props.total > 0 ? (props.part / props.total) * 100 : 0;
  return (
    <Group gap="xs" wrap="nowrap">
      <Progress value={percent} w={80} size="sm" aria-hidden />
      <Text size="xs" c="dimmed" w={40}>
        {Math.round(percent)} %
      </Text>
    </Group>
  );
}

/** The API counts per (flow, connector); a flow is one row, with the icons of the services it called. */
function perFlow(rows: Usage['transactionsByFlow']): Array<{ flowId: string; connectors: string[]; transactions: number }> {
  const flows = new Map<string, { flowId: string; connectors: string[]; transactions: number }>();
  for (const r of rows) {
    const flow = flows.get(r.flowId) ?? { flowId: r.flowId, connectors: [], transactions: 0 };
    if (!flow.connectors.includes(r.connector)) flow.connectors.push(r.connector);
    flow.transactions += r.transactions;
    flows.set(r.flowId, flow);
  }
  return [...flows.values()].sort((a, b) => b.transactions - a.transactions);
}

export function Breakdown(props: { usage: Usage }) {
  const { t } = useTranslation('usage');
  const names = useFlowNames();
  const byFlow = perFlow(props.usage.transactionsByFlow);
  const byConnector = [...props.usage.transactionsByConnector].sort((a, b) => b.transactions - a.transactions);
  const total = byConnector.reduce((sum, r) => sum + r.transactions, 0);

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-breakdown">
      <Stack gap="md">
        <Title order={2} size="h4" id="usage-breakdown">
          {t('breakdown.title')}
        </Title>
        {byFlow.length === 0 ? (
          <EmptyState title={t('breakdown.emptyTitle')} hint={t('breakdown.emptyHint')} />
        ) : (
          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
            <Table.ScrollContainer minWidth={360}>
              <Table striped aria-label={t('breakdown.byFlow')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('breakdown.flow')}</Table.Th>
                    <Table.Th ta="right">{t('breakdown.transactions')}</Table.Th>
                    <Table.Th>{t('breakdown.share')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {byFlow.map((r) => (
                    <Table.Tr key={r.flowId}>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          {r.connectors.map((c) => (
                            <ConnectorIcon key={c} connector={c} size={22} />
                          ))}
                          <Anchor component={Link} to={`/flows/${r.flowId}`} size="sm">
                            {names.data?.get(r.flowId) ?? r.flowId}
                          </Anchor>
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right">{formatNumber(r.transactions)}</Table.Td>
                      <Table.Td>
                        <Share part={r.transactions} total={total} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Table.ScrollContainer minWidth={300}>
              <Table striped aria-label={t('breakdown.byConnector')}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('breakdown.connector')}</Table.Th>
                    <Table.Th ta="right">{t('breakdown.transactions')}</Table.Th>
                    <Table.Th>{t('breakdown.share')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {byConnector.map((r) => (
                    <Table.Tr key={r.connector}>
                      <Table.Td>
                        <Group gap="xs" wrap="nowrap">
                          <ConnectorIcon connector={r.connector} size={22} />
                          <Text size="sm">{t(`connector.${r.connector}`, { defaultValue: r.connector })}</Text>
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right">{formatNumber(r.transactions)}</Table.Td>
                      <Table.Td>
                        <Share part={r.transactions} total={total} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </SimpleGrid>
        )}
      </Stack>
    </Paper>
  );
}
