// "Подключения": the accounts flows act with. Add one per service from its auth fields, test it
// with the service's own explanation, change the key, rename, delete (refused while flows use it).
import { Alert, Anchor, Button, Center, Group, List, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { IconPlugConnected, IconPlus } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useSession } from '../../auth/session.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { flowsOfConflict, testConnection, useConnections, useDeleteConnection, type ConnectionItem } from './api.ts';
import { findConnector, localLabel, useCatalog } from '../../api/catalog.ts';
import { AddConnectionModal, EditConnectionModal, RenameConnectionModal } from './ConnectionModals.tsx';
import { ConnectionsTable, type TestState } from './ConnectionsTable.tsx';

export function ConnectionsPage() {
  const { t, i18n } = useTranslation('connections');
  const { canEdit } = useSession();
  const connections = useConnections();
  const catalog = useCatalog();
  const remove = useDeleteConnection();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<ConnectionItem | null>(null);
  const [renaming, setRenaming] = useState<ConnectionItem | null>(null);
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [deleteError, setDeleteError] = useState<{ name: string; error: unknown } | null>(null);

  const withAuth = useMemo(
    () => (catalog.data ?? []).filter((c) => c.auth.length > 0).sort((a, b) => localLabel(a, i18n.language).localeCompare(localLabel(b, i18n.language))),
    [catalog.data, i18n.language],
  );
  const names = (connections.data ?? []).map((c) => c.name);

  async function onTest(c: ConnectionItem) {
    setTests((s) => ({ ...s, [c.id]: { pending: true } }));
    const result = await testConnection(c.id);
    setTests((s) => ({ ...s, [c.id]: { pending: false, ...result } }));
  }

  async function onDelete(c: ConnectionItem) {
    setDeleteError(null);
    try {
      await remove.mutateAsync(c.id);
    } catch (error) {
      setDeleteError({ name: c.name, error });
    }
  }

  const addButton = canEdit && (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} disabled={!catalog.data}>
      {t('add.button')}
    </Button>
  );
  const empty = connections.data?.length === 0;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            {t('title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('subtitle')}
          </Text>
        </div>
        {!empty && addButton}
      </Group>

      {deleteError && <DeleteRefusal name={deleteError.name} error={deleteError.error} onClose={() => setDeleteError(null)} />}
      {catalog.error ? <ErrorAlert error={catalog.error} /> : null}

      {connections.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('loading')} />
        </Center>
      ) : connections.error ? (
        <ErrorAlert error={connections.error} />
      ) : empty ? (
        <Paper withBorder p="xl" radius="md">
          <EmptyState icon={<IconPlugConnected size={28} />} title={t('empty.title')} hint={t('empty.hint')} action={addButton || undefined} />
        </Paper>
      ) : (
        <Paper withBorder radius="md" p={0}>
          <ConnectionsTable
            connections={connections.data}
            catalog={catalog.data}
            canEdit={canEdit}
            tests={tests}
            onTest={(c) => void onTest(c)}
            onEdit={setEditing}
            onRename={setRenaming}
            onDelete={onDelete}
          />
        </Paper>
      )}

      <AddConnectionModal opened={adding} onClose={() => setAdding(false)} connectors={withAuth} takenNames={names} />
      <EditConnectionModal connection={editing} connector={editing ? findConnector(catalog.data, editing.connector) : undefined} onClose={() => setEditing(null)} />
      <RenameConnectionModal connection={renaming} takenNames={names} onClose={() => setRenaming(null)} />
    </Stack>
  );
}

/** Why a delete did not happen; for "used by flows", the flows as links. */
function DeleteRefusal(props: { name: string; error: unknown; onClose(): void }) {
  const { t } = useTranslation('connections');
  const flows = flowsOfConflict(props.error);
  if (flows.length === 0) return <ErrorAlert error={props.error} title={t('delete.failed', { name: props.name })} />;
  return (
    <Alert color="orange" title={t('delete.refused', { name: props.name })} withCloseButton closeButtonLabel={t('delete.dismiss')} onClose={props.onClose} role="alert">
      <Text size="sm" mb={4}>
        {t('delete.refusedHint')}
      </Text>
      <List size="sm">
        {flows.map((f) => (
          <List.Item key={f.id}>
            <Anchor component={Link} to={`/flows/${f.id}`} size="sm">
              {f.name}
            </Anchor>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
