// /webhooks: every webhook that reached a flow's URL, newest first, filtered by flow, status and
// time (kept in the URL), paged on the server; how long the plan keeps them.
import { Anchor, Button, Group, Select, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { DateTime } from '../../components/DateTime.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Pager } from '../../components/Pager.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatBytes } from '../../lib/format.ts';
import { FlowSelect } from '../../components/history/FlowSelect.tsx';
import { useFlowNames } from '../../components/history/flows.ts';
import { TimeRange } from '../../components/history/TimeRange.tsx';
import { useUrlFilter } from '../../components/history/useUrlFilter.ts';
import { useWebhookPage, WEBHOOK_STATUSES, type Webhook } from './api.ts';
import { RetentionNote } from './RetentionNote.tsx';

const FILTER_KEYS = ['flowId', 'status', 'from', 'to'] as const;

export function WebhooksPage() {
  const { t } = useTranslation('webhooks');
  const tc = useTranslation().t;
  const { values, setFilter, setCursor, reset, filtered } = useUrlFilter(FILTER_KEYS);
  const page = useWebhookPage(values);
  const nameOf = useFlowNames(page.data?.items);

  return (
    <Stack gap="md">
      <Stack gap={4}>
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        <RetentionNote />
      </Stack>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <FlowSelect label={t('filter.flow')} value={values.flowId} onChange={(v) => setFilter('flowId', v)} />
        <Select
          label={t('filter.status')}
          placeholder={t('filter.allStatuses')}
          clearable
          w={200}
          value={values.status ?? null}
          onChange={(v) => setFilter('status', v)}
          data={WEBHOOK_STATUSES.map((s) => ({ value: s, label: tc(`status.${s}`, { defaultValue: s }) }))}
        />
        <TimeRange from={values.from} to={values.to} onChange={(k, v) => setFilter(k, v)} />
        {filtered && (
          <Button variant="subtle" onClick={reset}>
            {t('filter.reset')}
          </Button>
        )}
      </Group>

      {page.error ? <ErrorAlert error={page.error} /> : null}
      {page.isPending ? (
        <Text c="dimmed">{tc('loading')}</Text>
      ) : page.data && page.data.items.length === 0 ? (
        filtered || values.before ? (
          <EmptyState
            title={t('empty.filteredTitle')}
            hint={t('empty.filteredHint')}
            action={
              <Button variant="default" onClick={reset}>
                {t('filter.reset')}
              </Button>
            }
          />
        ) : (
          <EmptyState
            title={t('empty.title')}
            hint={t('empty.hint')}
            action={
              <Button component={Link} to="/flows">
                {t('empty.toFlows')}
              </Button>
            }
          />
        )
      ) : page.data ? (
        <>
          <WebhooksTable items={page.data.items} nameOf={nameOf} stale={page.isPlaceholderData} />
          <Pager hasPrevious={!!values.before} next={page.data.next} onFirst={() => setCursor(null)} onNext={(c) => setCursor(c)} />
        </>
      ) : null}
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
