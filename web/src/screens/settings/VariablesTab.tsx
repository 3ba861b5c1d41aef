// Workspace variables for templates ({{vars.NAME}}): list, add, edit, delete. A secret's value is
// never shown again after saving (the server does not return it); editing one may leave the value
// empty to keep it. Editors change variables; viewers see names and plain values.
import { Alert, Badge, Button, Code, Group, Stack, Switch, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconVariable } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { isMissingEndpoint } from './missingEndpoint.ts';

interface Variable {
  name: string;
  secret: boolean;
  /** null for a secret. */
  value: string | null;
  updatedAt: string;
}

const VARIABLES_KEY = ['variables'] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_BYTES = 64 * 1024;

function VariableForm(props: { editing: Variable | null; onDone(): void }) {
  const { t } = useTranslation('variables');
  const client = useQueryClient();
  const editing = props.editing;
  const [name, setName] = useState(editing?.name ?? '');
  const [value, setValue] = useState(editing && !editing.secret ? (editing.value ?? '') : '');
  const [secret, setSecret] = useState(editing?.secret ?? true);
  // A secret kept secret may leave the value empty: the saved one stays.
  const keepsSaved = !!editing?.secret && secret && value === '';
  const save = useMutation({
    mutationFn: () =>
      api<Variable>(`/variables/${encodeURIComponent(name.trim())}`, { method: 'PUT', body: keepsSaved ? { secret } : { value, secret } }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: VARIABLES_KEY });
      setName('');
      setValue('');
      setSecret(true);
      props.onDone();
    },
  });
  const nameProblem = name && !NAME.test(name.trim()) ? t('nameRule') : null;
  const tooBig = new TextEncoder().encode(value).length > MAX_BYTES;
  const needsValue = !keepsSaved && value === '' && !(editing && !editing.secret);
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <form onSubmit={submit} data-testid="variable-form">
      <Stack gap="sm">
        <Title order={2} size="h5">
          {editing ? t('editTitle', { name: editing.name }) : t('addTitle')}
        </Title>
        <Group align="flex-start" wrap="wrap">
          <TextInput
            label={t('name')}
            placeholder="API_KEY"
            required
            w={260}
            maxLength={64}
            readOnly={!!editing}
            value={name}
            error={nameProblem}
            onChange={(e) => {
              setName(e.currentTarget.value);
              save.reset();
            }}
          />
          <Textarea
            label={t('value')}
            description={editing?.secret && secret ? t('keepSaved') : undefined}
            placeholder={editing?.secret ? t('savedPlaceholder') : ''}
            autosize
            minRows={1}
            maxRows={6}
            w={360}
            value={value}
            error={tooBig ? t('tooBig') : null}
            autoComplete="off"
            spellCheck={false}
            styles={secret ? { input: { WebkitTextSecurity: 'disc' } as Record<string, string> } : undefined}
            onChange={(e) => {
              setValue(e.currentTarget.value);
              save.reset();
            }}
          />
        </Group>
        <Switch label={t('secret')} description={t('secretHint')} checked={secret} onChange={(e) => setSecret(e.currentTarget.checked)} />
        {editing?.secret && !secret && value === '' && <Text size="xs" c="orange">{t('unhideNeedsValue')}</Text>}
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!name.trim() || !!nameProblem || tooBig || needsValue || (!!editing?.secret && !secret && value === '')}>
            {t('save')}
          </Button>
          {editing && (
            <Button variant="default" onClick={props.onDone}>
              {t('cancel')}
            </Button>
          )}
        </Group>
        <ErrorAlert error={save.error} title={t('saveFailed')} />
      </Stack>
    </form>
  );
}

export function VariablesTab() {
  const { t } = useTranslation('variables');
  const client = useQueryClient();
  const { canEdit } = useSession();
  const list = useQuery({ queryKey: VARIABLES_KEY, queryFn: () => api<{ items: Variable[] }>('/variables'), retry: false });
  const [editing, setEditing] = useState<Variable | null>(null);
  const remove = useMutation({
    mutationFn: (name: string) => api(`/variables/${encodeURIComponent(name)}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: VARIABLES_KEY }),
  });

  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed">
        {t('hint', { example: '{{vars.API_KEY}}' })}
      </Text>
      {isMissingEndpoint(list.error) ? <Alert color="yellow">{t('notSupported')}</Alert> : <ErrorAlert error={list.error} />}
      <ErrorAlert error={remove.error} title={t('deleteFailed')} />
      {list.isPending && <Text c="dimmed">{t('loading')}</Text>}
      {list.data && list.data.items.length === 0 && <EmptyState title={t('emptyTitle')} hint={t('emptyHint')} icon={<IconVariable size={28} />} />}
      {list.data && list.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table aria-label={t('title')} verticalSpacing="sm" data-testid="variables-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('name')}</Table.Th>
                <Table.Th>{t('value')}</Table.Th>
                <Table.Th>{t('updatedAt')}</Table.Th>
                {canEdit && <Table.Th>{t('actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((v) => (
                <Table.Tr key={v.name}>
                  <Table.Td>
                    <Code>{`{{vars.${v.name}}}`}</Code>
                  </Table.Td>
                  <Table.Td>
                    {v.secret ? (
                      <Badge variant="light" color="gray" tt="none">
                        {t('saved')}
                      </Badge>
                    ) : (
                      <Text size="sm" lineClamp={2} style={{ wordBreak: 'break-all' }}>
                        {v.value}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <DateTime value={v.updatedAt} />
                  </Table.Td>
                  {canEdit && (
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button size="xs" variant="subtle" onClick={() => setEditing(v)} aria-label={t('editWhich', { name: v.name })}>
                          {t('edit')}
                        </Button>
                        <ConfirmButton
                          size="xs"
                          variant="subtle"
                          color="red"
                          question={t('deleteQuestion', { name: v.name })}
                          details={t('deleteDetails')}
                          confirmLabel={t('delete')}
                          onConfirm={async () => {
                            await remove.mutateAsync(v.name).catch(() => undefined);
                          }}
                          aria-label={t('deleteWhich', { name: v.name })}
                        >
                          {t('delete')}
                        </ConfirmButton>
                      </Group>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canEdit && <VariableForm key={editing?.name ?? 'new'} editing={editing} onDone={() => setEditing(null)} />}
      {!canEdit && <Text size="sm" c="dimmed">{t('viewerNote')}</Text>}
    </Stack>
  );
}
