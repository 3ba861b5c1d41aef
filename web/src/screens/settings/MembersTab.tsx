// Members and their roles: change a role, invite by email, revoke a pending invitation, remove (owner only).
import { Alert, Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconMailForward } from '@tabler/icons-react';
import { notify } from './notify.ts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client.ts';
import { useSession, type Role } from '../../auth/session.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { OwnerOnlyNote } from './OwnerOnlyNote.tsx';
import { INVITATIONS_KEY, MEMBERS_KEY, useMembers } from './queries.ts';
import { ROLES, type Invitation, type Member } from './types.ts';

function useRoleOptions() {
  const { t } = useTranslation('settings');
  return ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }));
}

/** The server answers the same whether the address has an account or not: so does this form. */
function InviteForm() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const roles = useRoleOptions();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: () => api<{ invited: true; invitation: Invitation }>('/invitations', { body: { email: email.trim(), role } }),
    onSuccess: async (res) => {
      setSentTo(res.invitation.email);
      setEmail('');
      await client.invalidateQueries({ queryKey: INVITATIONS_KEY });
    },
  });
  const issue = (field: string) => (invite.error instanceof ApiError ? invite.error.issues.find((i) => i.path.endsWith(field))?.message : undefined);

  function submit(e: FormEvent) {
    e.preventDefault();
    setSentTo(null);
    invite.mutate();
  }

  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <Title order={2} size="h5">
          {t('invitations.addTitle')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('invitations.addHint')}
        </Text>
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
              invite.reset();
            }}
          />
          <Select label={t('members.role')} data={roles} value={role} allowDeselect={false} w={180} onChange={(v) => v && setRole(v as Role)} />
        </Group>
        {invite.error && !issue('email') && <ErrorAlert error={invite.error} title={t('invitations.failed')} />}
        {sentTo && (
          <Alert color="blue" icon={<IconMailForward size={18} />} data-testid="invitation-sent" role="status">
            {t('invitations.sent', { email: sentTo })}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={invite.isPending} disabled={!email.trim()}>
            {t('invitations.send')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function PendingInvitations() {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const list = useQuery({ queryKey: INVITATIONS_KEY, queryFn: () => api<{ items: Invitation[] }>('/invitations'), retry: false });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/invitations/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: INVITATIONS_KEY }),
    onError: (error) => notify({ color: 'red', title: t('invitations.revokeFailed'), message: (error as Error).message }),
  });
  if (list.error) return <ErrorAlert error={list.error} />;
  if (!list.data || list.data.items.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={2} size="h5" id="pending-invitations">
        {t('invitations.pendingTitle')}
      </Title>
      <Table.ScrollContainer minWidth={520}>
        <Table aria-labelledby="pending-invitations" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('members.email')}</Table.Th>
              <Table.Th>{t('members.role')}</Table.Th>
              <Table.Th>{t('invitations.expires')}</Table.Th>
              <Table.Th>{t('members.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>
                  <Text size="sm">{i.email}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{t(`roles.${i.role}`)}</Text>
                </Table.Td>
                <Table.Td>
                  <DateTime value={i.expiresAt} />
                </Table.Td>
                <Table.Td>
                  <Button size="xs" variant="subtle" color="red" loading={revoke.isPending && revoke.variables === i.id} onClick={() => revoke.mutate(i.id)} aria-label={t('invitations.revokeWho', { email: i.email })}>
                    {t('invitations.revoke')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
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
      {isOwner && <PendingInvitations />}
      {isOwner && <InviteForm />}
    </Stack>
  );
}
