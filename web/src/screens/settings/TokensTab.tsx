// API tokens of the workspace: list, create (the secret shown once), revoke. Owner only.
import { Alert, Badge, Button, Code, CopyButton, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconCheck, IconCopy, IconKey } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useSession, type Role } from '../../auth/session.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { isMissingEndpoint } from './missingEndpoint.ts';
import { OwnerOnlyNote } from './OwnerOnlyNote.tsx';
import { TOKENS_KEY, useTokens } from './queries.ts';
import { ROLES, type CreatedToken } from './types.ts';

function NewTokenSecret(props: { token: CreatedToken; onDone(): void }) {
  const { t } = useTranslation('settings');
  return (
    <Alert color="green" icon={<IconKey size={18} />} title={t('tokens.createdTitle', { name: props.token.name })} data-testid="new-token" styles={{ title: { color: 'var(--mantine-color-text)' } }}>
      <Stack gap="xs">
        <Text size="sm" fw={600}>
          {t('tokens.onceWarning')}
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code style={{ wordBreak: 'break-all' }} data-testid="new-token-secret">
            {props.token.token}
          </Code>
          <CopyButton value={props.token.token}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />} onClick={copy}>
                {copied ? t('tokens.copied') : t('tokens.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="xs" c="dimmed">
          {t('tokens.usage')}
        </Text>
        <Group>
          <Button size="xs" variant="default" onClick={props.onDone}>
            {t('tokens.done')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function CreateTokenForm(props: { onCreated(token: CreatedToken): void }) {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const create = useMutation({
    mutationFn: () => api<CreatedToken>('/tokens', { method: 'POST', body: { name: name.trim(), role } }),
    onSuccess: async (token) => {
      props.onCreated(token);
      setName('');
      await client.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <Title order={2} size="h5">
          {t('tokens.createTitle')}
        </Title>
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label={t('tokens.name')}
            placeholder={t('tokens.namePlaceholder')}
            required
            maxLength={100}
            w={280}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              create.reset();
            }}
          />
          <Select
            label={t('tokens.role')}
            w={180}
            data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            value={role}
            allowDeselect={false}
            onChange={(v) => v && setRole(v as Role)}
          />
          <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
            {t('tokens.create')}
          </Button>
        </Group>
        <ErrorAlert error={create.error} title={t('tokens.createFailed')} />
      </Stack>
    </form>
  );
}

export function TokensTab() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const { isOwner } = useSession();
  const tokens = useTokens(isOwner);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: TOKENS_KEY }),
  });
  const missing = isMissingEndpoint(tokens.error);

  return (
    <Stack gap="lg">
      {!isOwner && <OwnerOnlyNote text={t('tokens.ownerOnly')} />}
      <Text size="sm" c="dimmed">
        {t('tokens.hint')}
      </Text>
      {created && <NewTokenSecret token={created} onDone={() => setCreated(null)} />}
      {missing ? <Alert color="yellow">{t('notSupported')}</Alert> : <ErrorAlert error={tokens.error} />}
      <ErrorAlert error={revoke.error} title={t('tokens.revokeFailed')} />
      {isOwner && tokens.isPending && <Text c="dimmed">{t('loading')}</Text>}
      {tokens.data && tokens.data.items.length === 0 && <EmptyState title={t('tokens.emptyTitle')} hint={t('tokens.emptyHint')} icon={<IconKey size={28} />} />}
      {tokens.data && tokens.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label={t('tokens.title')} verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('tokens.name')}</Table.Th>
                <Table.Th>{t('tokens.role')}</Table.Th>
                <Table.Th>{t('tokens.createdAt')}</Table.Th>
                <Table.Th>{t('tokens.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.data.items.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td>{token.name}</Table.Td>
                  <Table.Td>
                    <Badge variant="default" tt="none">{t(`roles.${token.role}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <DateTime value={token.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    <ConfirmButton
                      size="xs"
                      variant="subtle"
                      color="red"
                      disabled={!isOwner}
                      question={t('tokens.revokeQuestion', { name: token.name })}
                      details={t('tokens.revokeDetails')}
                      confirmLabel={t('tokens.revoke')}
                      onConfirm={async () => {
                        await revoke.mutateAsync(token.id).catch(() => undefined);
                      }}
                      aria-label={t('tokens.revokeWhich', { name: token.name })}
                    >
                      {t('tokens.revoke')}
                    </ConfirmButton>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {isOwner && <CreateTokenForm onCreated={setCreated} />}
    </Stack>
  );
}
