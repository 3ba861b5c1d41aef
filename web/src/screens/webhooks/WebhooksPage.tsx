// /webhooks: every webhook that reached a flow's URL, newest first, filtered by flow, status and
// time (kept in the URL), paged on the server; how long the plan keeps them.
import { Anchor, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { DateTime } from '../../components/DateTime.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatBytes } from '../../lib/format.ts';
import { useFlowNames } from '../../components/history/flows.ts';
import { HistoryFilters, HistoryResults } from '../../components/history/HistoryList.tsx';
import { useUrlFilter } from '../../components/history/useUrlFilter.ts';
import { useWebhookPage, WEBHOOK_STATUSES, type Webhook } from './api.ts';
import { RetentionNote } from './RetentionNote.tsx';

const FILTER_KEYS = ['flowId', 'status', 'from', 'to'] as const;
const NS = 'webhooks';

export function WebhooksPage() {
  const { t } = useTranslation(NS);
  const filter = useUrlFilter(FILTER_KEYS);
  const page = useWebhookPage(filter.values);
  const nameOf = useFlowNames(page.data?.items);

  return (
    <Stack gap="md">
      <Stack gap={4}>
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        <RetentionNote />
      </Stack>
      <HistoryFilters ns={NS} filter={filter} statuses={WEBHOOK_STATUSES} statusWidth={200} />
      <HistoryResults ns={NS} filter={filter} page={page}>
        {(items, stale) => <WebhooksTable items={items} nameOf={nameOf} stale={stale} />}
      </HistoryResults>
    </Stack>
  );
}

function WebhooksTable(props: { stale: boolean; items: Webhook[]; nameOf(w: Webhook): string | undefined }) {
  const { t } = useTranslation('webhooks');
  const navigate = useNavigate();
  return (
    <Table.ScrollContainer minWidth={760}>
      {/* While the next page or filter loads, the old rows stay, dimmed. */}
      <Table highlightOnHover verticalSpacing="xs" aria-busy={props.stale} style={{ opacity: props.stale ? 0.5 : 1, transition: 'opacity 150ms' }}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('column.time')}</Table.Th>
            <Table.Th>{t('column.flow')}</Table.Th>
            <Table.Th>{t('column.status')}</Table.Th>
            <Table.Th ta="right">{t('column.size')}</Table.Th>
            <Table.Th>{t('column.sender')}</Table.Th>
            <Table.Th>{t('column.method')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.items.map((w) => (
            <Table.Tr key={w.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/webhooks/${w.id}`)} data-webhook-id={w.id}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Anchor component={Link} to={`/webhooks/${w.id}`} onClick={(ev) => ev.stopPropagation()}>
                  <DateTime value={w.receivedAt} seconds />
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={1}>
                  {props.nameOf(w) ?? t('unknownFlow')}
                </Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {w.error ? (
                  <Tooltip label={w.error} multiline maw={420}>
                    <span>
                      <StatusBadge status={w.status} />
                    </span>
                  </Tooltip>
                ) : (
                  <StatusBadge status={w.status} />
                )}
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {formatBytes(w.size)}
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {w.ip ?? '—'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {w.method}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
