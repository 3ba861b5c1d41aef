// /executions: the run history, filtered by flow, status and time (all in the URL), newest first,
// paged on the server; refreshes itself while anything shown is still running.
import { Anchor, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { DateTime } from '../../components/DateTime.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatDuration } from '../../lib/format.ts';
import { durationMs, EXECUTION_STATUSES, useExecutionPage, type Execution } from './api.ts';
import { useFlowNames } from '../../components/history/flows.ts';
import { HistoryFilters, HistoryResults } from '../../components/history/HistoryList.tsx';
import { useUrlFilter } from '../../components/history/useUrlFilter.ts';

const FILTER_KEYS = ['flowId', 'status', 'from', 'to'] as const;
const NS = 'executions';

export function ExecutionsPage() {
  const { t } = useTranslation(NS);
  const filter = useUrlFilter(FILTER_KEYS);
  const page = useExecutionPage(filter.values);
  const nameOf = useFlowNames(page.data?.items);

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {t('title')}
      </Title>
      <HistoryFilters ns={NS} filter={filter} statuses={EXECUTION_STATUSES} statusWidth={190} />
      <HistoryResults ns={NS} filter={filter} page={page}>
        {(items, stale) => <ExecutionsTable items={items} nameOf={nameOf} stale={stale} />}
      </HistoryResults>
    </Stack>
  );
}

function ExecutionsTable(props: { stale: boolean; items: Execution[]; nameOf(e: Execution): string | undefined }) {
  const { t } = useTranslation('executions');
  const navigate = useNavigate();
  return (
    <Table.ScrollContainer minWidth={760}>
      {/* While the next page or filter loads, the old rows stay, dimmed. */}
      <Table highlightOnHover verticalSpacing="xs" aria-busy={props.stale} style={{ opacity: props.stale ? 0.5 : 1, transition: 'opacity 150ms' }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('column.time')}</Table.Th>
            <Table.Th>{t('column.flow')}</Table.Th>
            <Table.Th>{t('column.origin')}</Table.Th>
            <Table.Th>{t('column.status')}</Table.Th>
            <Table.Th>{t('column.error')}</Table.Th>
            <Table.Th ta="right">{t('column.duration')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.items.map((e) => (
            <Table.Tr key={e.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/executions/${e.id}`)} data-execution-id={e.id}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Anchor component={Link} to={`/executions/${e.id}`} onClick={(ev) => ev.stopPropagation()}>
                  <DateTime value={e.createdAt} seconds />
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={1}>
                  {props.nameOf(e) ?? t('unknownFlow')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t(`origin.${e.origin}`, { defaultValue: e.origin })}</Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <StatusBadge status={e.status} />
              </Table.Td>
              <Table.Td maw={320}>
                {e.error ? (
                  <Tooltip label={e.error} multiline maw={480} openDelay={300}>
                    <Text size="sm" c="red" lineClamp={1}>
                      {e.errorStep ? `${e.errorStep}: ` : ''}
                      {e.error}
                    </Text>
                  </Tooltip>
                ) : null}
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {formatDuration(durationMs(e))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
