// The workspace's connections: name, service, the flows that use it, dates, and what can be
// done with each (test, change credentials, rename, delete).
import { ActionIcon, Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconCircleCheck, IconCircleX, IconPencil, IconPlugConnected, IconTrash, IconCursorText } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import type { ConnectionItem, TestResult } from './api.ts';
import { findConnector, localLabel, type CatalogConnector } from '../../api/catalog.ts';

export type TestState = { pending: true } | ({ pending: false } & TestResult);

interface Props {
  connections: ConnectionItem[];
  catalog: CatalogConnector[] | undefined;
  canEdit: boolean;
  tests: Record<string, TestState>;
  onTest(c: ConnectionItem): void;
  onEdit(c: ConnectionItem): void;
  onRename(c: ConnectionItem): void;
  onDelete(c: ConnectionItem): Promise<void>;
}

export function ConnectionsTable(props: Props) {
  const { t } = useTranslation('connections');
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table verticalSpacing="sm" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('col.name')}</Table.Th>
            <Table.Th>{t('col.service')}</Table.Th>
            <Table.Th>{t('col.usedBy')}</Table.Th>
            <Table.Th>{t('col.updated')}</Table.Th>
            {props.canEdit && (
              <Table.Th>
                <VisuallyHidden>{t('col.actions')}</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.connections.map((c) => (
            <ConnectionRow key={c.id} connection={c} {...props} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function ConnectionRow({ connection: c, catalog, canEdit, tests, onTest, onEdit, onRename, onDelete }: Props & { connection: ConnectionItem }) {
  const { t, i18n } = useTranslation('connections');
  const connector = findConnector(catalog, c.connector);
  const test = tests[c.id];
  const hasAuth = (connector?.auth.length ?? 0) > 0;
  return (
    <Table.Tr>
      <Table.Td miw={200} maw={320}>
        <Stack gap={4}>
          <Text fw={500} size="sm">
            {c.name}
          </Text>
          {test && <TestLine test={test} />}
          {c.health && c.health !== 'ok' && (
            <Tooltip label={t('health.since', { since: c.since ? new Date(c.since).toLocaleString(i18n.language) : '—' })}>
              <Badge color={c.health === 'down' ? 'red' : 'yellow'} variant="light" w="fit-content">
                {t(`health.${c.health}`, { count: c.waiting ?? 0 })}
              </Badge>
            </Tooltip>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <ConnectorIcon connector={c.connector} size={26} />
          <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
            {connector ? localLabel(connector, i18n.language) : c.connector}
          </Text>
        </Group>
      </Table.Td>
      <Table.Td maw={280}>
        {c.usedBy === undefined ? (
          <Text size="sm" c="dimmed">—</Text>
        ) : c.usedBy.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('row.unused')}
          </Text>
        ) : (
          <Stack gap={2}>
            {c.usedBy.map((f) => (
              <Anchor key={f.id} component={Link} to={`/flows/${f.id}`} size="sm" lineClamp={1} title={f.name}>
                {f.name}
              </Anchor>
            ))}
          </Stack>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
          <DateTime value={c.updatedAt} />
        </Text>
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          {t('row.created')} <DateTime value={c.createdAt} />
        </Text>
      </Table.Td>
      {canEdit && (
        <Table.Td>
          <Group gap={4} wrap="nowrap" justify="flex-end">
            <Button variant="subtle" size="xs" leftSection={<IconPlugConnected size={14} />} onClick={() => onTest(c)} disabled={test?.pending === true}>
              {t('row.test')}
            </Button>
            {hasAuth && (
              <Tooltip label={t('row.edit')}>
                <ActionIcon variant="subtle" onClick={() => onEdit(c)} disabled={!connector} aria-label={t('row.edit')}>
                  <IconPencil size={16} />
                </ActionIcon>
              </Tooltip>
            )}
            <Tooltip label={t('row.rename')}>
              <ActionIcon variant="subtle" onClick={() => onRename(c)} aria-label={t('row.rename')}>
                <IconCursorText size={16} />
              </ActionIcon>
            </Tooltip>
            <ConfirmButton
              variant="subtle"
              color="red"
              size="compact-sm"
              px={6}
              aria-label={t('row.delete')}
              question={t('delete.question', { name: c.name })}
              details={t('delete.details')}
              confirmLabel={t('delete.confirm')}
              onConfirm={() => onDelete(c)}
            >
              <IconTrash size={16} />
            </ConfirmButton>
          </Group>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

function TestLine({ test }: { test: TestState }) {
  const { t } = useTranslation('connections');
  if (test.pending) {
    return (
      <Group gap={6} wrap="nowrap">
        <Loader size={12} aria-hidden />
        <Text size="xs" c="dimmed">
          {t('test.running')}
        </Text>
      </Group>
    );
  }
  return (
    <Group gap={6} wrap="nowrap" align="flex-start" role={test.ok ? 'status' : 'alert'}>
      {test.ok ? <IconCircleCheck size={14} color="var(--mantine-color-green-7)" /> : <IconCircleX size={14} color="var(--mantine-color-red-7)" />}
      <Text size="xs" c={test.ok ? 'green.8' : 'red.8'}>
        {test.ok ? t('test.ok') : `${t('test.failed')}: ${test.message}`}
      </Text>
    </Group>
  );
}
