// Members and their roles: change a role, add by email, remove (owner only).
import { Button, Group, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notify } from './notify.ts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client.ts';
import { useSession, type Role } from '../../auth/session.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { OwnerOnlyNote } from './OwnerOnlyNote.tsx';
import { MEMBERS_KEY, useMembers } from './queries.ts';
import { ROLES, type Member } from './types.ts';

function useRoleOptions() {
  const { t } = useTranslation('settings');
  return ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }));
}

function AddMemberForm() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const roles = useRoleOptions();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [password, setPassword] = useState('');
  const add = useMutation({
    mutationFn: () => api<{ userId: string; email: string; role: Role }>('/members', { method: 'PUT', body: { email: email.trim(), role, ...(password ? { password } : {}) } }),
    onSuccess: async (res) => {
      notify({ color: 'green', message: t('members.added', { email: res.email }) });
      setEmail('');
      setPassword('');
      await client.invalidateQueries({ queryKey: MEMBERS_KEY });
    },
  });
  const issue = (field: string) => (add.error instanceof ApiError ? add.error.issues.find((i) => i.path.endsWith(field))?.message : undefined);
  const needsPassword = add.error instanceof ApiError && /password/i.test(add.error.message) && !issue('password');

  function submit(e: FormEvent) {
    e.preventDefault();
    add.mutate();
  }

  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <Title order={2} size="h5">
          {t('members.addTitle')}
        </Title>
        <Group align="flex-start" wrap="wrap">
          <TextInput
            label={t('members.email')}
            type="email"
            required
            w={260}
            value={email}
            error={issue('email')}
            onChange={(e) => {
              setEmail(e.currentTarget.value);
              add.reset();
            }}
          />
          <Select label={t('members.role')} data={roles} value={role} allowDeselect={false} w={180} onChange={(v) => v && setRole(v as Role)} />
          <PasswordInput
            label={t('members.password')}
            description={t('members.passwordHint')}
            w={260}
            autoComplete="new-password"
            value={password}
            error={issue('password') ?? (needsPassword ? t('members.passwordNeeded') : undefined)}
            onChange={(e) => {
              setPassword(e.currentTarget.value);
              add.reset();
            }}
          />
        </Group>
        {add.error && !issue('email') && !issue('password') && !needsPassword && <ErrorAlert error={add.error} title={t('members.addFailed')} />}
        <Group>
          <Button type="submit" loading={add.isPending} disabled={!email.trim()}>
            {t('members.add')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function MemberRow(props: { member: Member; isOwner: boolean; isSelf: boolean }) {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const roles = useRoleOptions();
  const { member } = props;
  const changeRole = useMutation({
    mutationFn: (role: Role) => api('/members', { method: 'PUT', body: { email: member.email, role } }),
    onSuccess: () => client.invalidateQueries({ queryKey: MEMBERS_KEY }),
    onError: (error) => notify({ color: 'red', title: t('members.roleFailed'), message: (error as Error).message }),
  });
  const remove = useMutation({
    mutationFn: () => api(`/members/${encodeURIComponent(member.userId)}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: MEMBERS_KEY }),
    onError: (error) => notify({ color: 'red', title: t('members.removeFailed'), message: (error as Error).message }),
  });
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm">{member.email}</Text>
        {member.name && member.name !== member.email && (
          <Text size="xs" c="dimmed">
            {member.name}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Select
          size="xs"
          w={170}
          aria-label={t('members.roleOf', { email: member.email })}
          data={roles}
          value={member.role}
          allowDeselect={false}
          disabled={!props.isOwner || changeRole.isPending}
          onChange={(v) => v && v !== member.role && changeRole.mutate(v as Role)}
        />
        {props.isSelf && (
          <Text size="xs" c="dimmed" mt={2}>
            {t('members.you')}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <ConfirmButton
            size="xs"
            variant="subtle"
            color="red"
            disabled={!props.isOwner}
            question={t('members.removeQuestion', { email: member.email })}
            details={props.isSelf ? t('members.removeSelf') : t('members.removeDetails')}
            confirmLabel={t('members.remove')}
            onConfirm={async () => {
              await remove.mutateAsync().catch(() => undefined);
            }}
            aria-label={t('members.removeWho', { email: member.email })}
          >
            {t('members.remove')}
          </ConfirmButton>
      </Table.Td>
    </Table.Tr>
  );
}

export function MembersTab() {
  const { t } = useTranslation('settings');
  const { isOwner, me } = useSession();
  const members = useMembers();
  return (
    <Stack gap="lg">
      {!isOwner && <OwnerOnlyNote what={t('members.what')} />}
      <Text size="sm" c="dimmed">
        {t('members.rolesHint')}
      </Text>
      <ErrorAlert error={members.error} />
      {members.isPending && <Text c="dimmed">{t('loading')}</Text>}
      {members.data && members.data.items.length === 0 && <EmptyState title={t('members.emptyTitle')} hint={t('members.emptyHint')} />}
      {members.data && members.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label={t('members.title')} verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('members.email')}</Table.Th>
                <Table.Th>{t('members.role')}</Table.Th>
                <Table.Th>{t('members.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.data.items.map((m) => (
                <MemberRow key={m.userId} member={m} isOwner={isOwner} isSelf={m.userId === me.user?.id} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {isOwner && <AddMemberForm />}
    </Stack>
  );
}
