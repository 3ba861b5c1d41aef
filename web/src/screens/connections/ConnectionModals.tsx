// The dialogs of the connections screen: add (service, then form), change credentials, rename.
import { Anchor, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { IconArrowLeft } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useUpdateConnection, type ConnectionItem } from './api.ts';
import { localLabel, type CatalogConnector } from '../../api/catalog.ts';
import { ConnectionForm } from './ConnectionForm.tsx';
import { ServicePicker } from './ServicePicker.tsx';

function ServiceTitle(props: { connector: CatalogConnector; text: string }) {
  return (
    <Group component="span" gap="sm" wrap="nowrap">
      <ConnectorIcon connector={props.connector.connector} />
      <Text component="span" fw={600}>
        {props.text}
      </Text>
    </Group>
  );
}

export function AddConnectionModal(props: { opened: boolean; onClose(): void; connectors: CatalogConnector[]; takenNames: string[] }) {
  const { t, i18n } = useTranslation('connections');
  const [picked, setPicked] = useState<CatalogConnector | null>(null);
  const close = () => {
    setPicked(null);
    props.onClose();
  };
  const label = picked ? localLabel(picked, i18n.language) : '';
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common:action.close') }}
      opened={props.opened}
      onClose={close}
      size="lg"
      centered
      title={picked ? <ServiceTitle connector={picked} text={t('add.titleFor', { service: label })} /> : t('add.title')}
    >
      {picked ? (
        <Stack gap="sm">
          <Anchor component="button" type="button" size="sm" onClick={() => setPicked(null)}>
            <Group gap={4}>
              <IconArrowLeft size={14} />
              {t('add.otherService')}
            </Group>
          </Anchor>
          <ConnectionForm key={picked.connector} connector={picked} suggestedName={uniqueName(label, props.takenNames)} takenNames={props.takenNames} onClose={close} />
        </Stack>
      ) : (
        <ServicePicker connectors={props.connectors} onPick={setPicked} />
      )}
    </Modal>
  );
}

function uniqueName(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) if (!taken.includes(`${base} ${n}`)) return `${base} ${n}`;
}

export function EditConnectionModal(props: { connection: ConnectionItem | null; connector: CatalogConnector | undefined; onClose(): void }) {
  const { t } = useTranslation('connections');
  const { connection, connector } = props;
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common:action.close') }}
      opened={connection !== null}
      onClose={props.onClose}
      size="lg"
      centered
      title={connection && connector ? <ServiceTitle connector={connector} text={t('edit.title', { name: connection.name })} /> : ''}
    >
      {connection && connector && (
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('edit.hint')}
          </Text>
          <ConnectionForm key={connection.id} connector={connector} existing={connection} takenNames={[]} onClose={props.onClose} />
        </Stack>
      )}
    </Modal>
  );
}

export function RenameConnectionModal(props: { connection: ConnectionItem | null; takenNames: string[]; onClose(): void }) {
  const { t } = useTranslation('connections');
  return (
    <Modal closeButtonProps={{ 'aria-label': t('common:action.close') }} opened={props.connection !== null} onClose={props.onClose} centered title={props.connection ? t('rename.title', { name: props.connection.name }) : ''}>
      {props.connection && <RenameForm key={props.connection.id} connection={props.connection} takenNames={props.takenNames} onClose={props.onClose} />}
    </Modal>
  );
}

function RenameForm(props: { connection: ConnectionItem; takenNames: string[]; onClose(): void }) {
  const { t } = useTranslation('connections');
  const update = useUpdateConnection();
  const [name, setName] = useState(props.connection.name);
  const [problem, setProblem] = useState<string | null>(null);
  const usedBy = props.connection.usedBy ?? [];

  function submit(e: FormEvent) {
    e.preventDefault();
    const next = name.trim();
    if (!next) return setProblem(t('form.required'));
    if (next === props.connection.name) return props.onClose();
    if (props.takenNames.includes(next)) return setProblem(t('form.nameTaken'));
    setProblem(null);
    update.mutate({ id: props.connection.id, name: next }, { onSuccess: props.onClose });
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput label={t('rename.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={problem} data-autofocus />
        <Text size="sm" c="dimmed">
          {usedBy.length > 0 ? t('rename.flowsUpdated', { count: usedBy.length }) : t('rename.note')}
        </Text>
        {update.error ? <ErrorAlert error={update.error} /> : null}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={props.onClose}>
            {t('rename.cancel')}
          </Button>
          <Button type="submit" loading={update.isPending}>
            {t('rename.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
