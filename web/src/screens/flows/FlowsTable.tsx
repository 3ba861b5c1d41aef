// The flows of one page: name, trigger, on/off, last run, today's runs and errors, this month's
// transactions, delete.
import { Anchor, Group, Stack, Switch, Table, Text, VisuallyHidden } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatNumber } from '../../lib/format.ts';
import { findConnector, localLabel, type CatalogConnector } from '../../api/catalog.ts';
import type { FlowListItem } from './api.ts';

interface Props {
  flows: FlowListItem[];
  catalog: CatalogConnector[] | undefined;
  canEdit: boolean;
  /** The flow whose switch is being flipped, and to what. */
  pendingToggle: { id: string; enabled: boolean } | undefined;
  onToggle(flow: FlowListItem, enabled: boolean): void;
  onDelete(flow: FlowListItem): Promise<void>;
}

export function FlowsTable(props: Props) {
  const { t } = useTranslation('flows');
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table verticalSpacing="sm" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('col.name')}</Table.Th>
            <Table.Th>{t('col.trigger')}</Table.Th>
            <Table.Th>{t('col.enabled')}</Table.Th>
            <Table.Th>{t('col.lastRun')}</Table.Th>
            <Table.Th ta="right">{t('col.executionsToday')}</Table.Th>
            <Table.Th ta="right">{t('col.errorsToday')}</Table.Th>
            <Table.Th ta="right">{t('col.transactionsMonth')}</Table.Th>
            {props.canEdit && (
              <Table.Th>
                <VisuallyHidden>{t('col.actions')}</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.flows.map((flow) => (
            <FlowRow key={flow.id} flow={flow} {...props} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function FlowRow({ flow, catalog, canEdit, pendingToggle, onToggle, onDelete }: Props & { flow: FlowListItem }) {
  const { t, i18n } = useTranslation('flows');
  const trigger = flow.definition.trigger;
  const connector = findConnector(catalog, trigger.connector);
  const event = connector?.events.find((e) => e.id === trigger.event);
  const connectorLabel = connector ? localLabel(connector, i18n.language) : trigger.connector;
  const eventLabel = event ? localLabel(event, i18n.language) : trigger.event;
  const pending = pendingToggle?.id === flow.id;
  const enabled = pending ? pendingToggle.enabled : flow.enabled;
  const stats = flow.stats;
  const last = stats?.lastExecution ?? null;
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/flows/${flow.id}`} fw={500}>
          {flow.name}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <ConnectorIcon connector={trigger.connector} size={26} />
          <Stack gap={0}>
            <Text size="sm">{connectorLabel}</Text>
            {eventLabel !== connectorLabel && (
              <Text size="xs" c="dimmed">
                {eventLabel}
              </Text>
            )}
          </Stack>
        </Group>
      </Table.Td>
      <Table.Td>
        <Switch
          checked={enabled}
          disabled={!canEdit || pending}
          onChange={(e) => onToggle(flow, e.currentTarget.checked)}
          aria-label={t('row.enabled', { name: flow.name })}
        />
      </Table.Td>
      <Table.Td miw={170}>
        {last ? (
          <Anchor component={Link} to={`/executions/${last.id}`} underline="never">
            <Stack gap={2} align="flex-start">
              <StatusBadge status={last.status} />
              <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                <DateTime value={last.at} />
              </Text>
            </Stack>
          </Anchor>
        ) : (
          <Text size="sm" c="dimmed">
            {stats ? t('row.neverRan') : '—'}
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right">{stats ? formatNumber(stats.executionsToday) : '—'}</Table.Td>
      <Table.Td ta="right">
        <Text size="sm" c={stats && stats.errorsToday > 0 ? 'red' : undefined} fw={stats && stats.errorsToday > 0 ? 600 : undefined}>
          {stats ? formatNumber(stats.errorsToday) : '—'}
        </Text>
      </Table.Td>
      <Table.Td ta="right">{stats ? formatNumber(stats.transactionsMonth) : '—'}</Table.Td>
      {canEdit && (
        <Table.Td>
          <ConfirmButton
            variant="subtle"
            color="red"
            size="xs"
            leftSection={<IconTrash size={14} />}
            question={t('delete.question', { name: flow.name })}
            details={t('delete.details')}
            confirmLabel={t('delete.confirm')}
            onConfirm={() => onDelete(flow)}
          >
            {t('delete.button')}
          </ConfirmButton>
        </Table.Td>
      )}
    </Table.Tr>
  );
}
