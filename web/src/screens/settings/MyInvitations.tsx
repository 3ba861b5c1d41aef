// Invitations addressed to the signed-in user: accept (they become a member with its role) or
// decline. Shown as a banner above every screen and on the page of a user with no workspace.
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { IconMail } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, setWorkspace } from '../../api/client.ts';
import { ME_KEY } from '../../auth/session.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { notify } from './notify.ts';
import { MY_INVITATIONS_KEY } from './queries.ts';
import type { MyInvitation } from './types.ts';

export function MyInvitations(props: { enabled: boolean }) {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const list = useQuery({
    queryKey: MY_INVITATIONS_KEY,
    queryFn: () => api<{ items: MyInvitation[] }>('/invitations/mine'),
    enabled: props.enabled,
    retry: false,
  });
  const answer = useMutation({
    mutationFn: (v: { invitation: MyInvitation; accept: boolean }) => api(`/invitations/${encodeURIComponent(v.invitation.id)}/${v.accept ? 'accept' : 'decline'}`, { method: 'POST' }),
    onSuccess: async (_res, v) => {
      notify({ color: 'green', message: t(v.accept ? 'invitations.accepted' : 'invitations.declined', { name: v.invitation.workspace.name }) });
      // The new workspace becomes the current one (its data is fetched afresh).
      if (v.accept) setWorkspace(v.invitation.workspace.id);
      await client.invalidateQueries({ queryKey: MY_INVITATIONS_KEY });
      await client.resetQueries({ queryKey: ME_KEY });
    },
  });
  const items = list.data?.items ?? [];
  if (items.length === 0 && !answer.error) return null;
  return (
    <Stack gap="xs" mb="md" data-testid="my-invitations">
      <ErrorAlert error={answer.error} />
      {items.map((i) => (
        <Alert key={i.id} color="blue" icon={<IconMail size={18} />} title={t('invitations.mineTitle', { name: i.workspace.name })} styles={{ title: { color: 'var(--mantine-color-text)' } }}>
          <Stack gap="xs">
            <Text size="sm">
              {i.invitedBy
                ? t('invitations.mineBy', { who: i.invitedBy.name || i.invitedBy.email, role: t(`roles.${i.role}`) })
                : t('invitations.mineRole', { role: t(`roles.${i.role}`) })}
            </Text>
            <Group gap="xs">
              <Button size="xs" onClick={() => answer.mutate({ invitation: i, accept: true })} loading={answer.isPending && answer.variables?.invitation.id === i.id && answer.variables.accept}>
                {t('invitations.accept')}
              </Button>
              <Button size="xs" variant="default" onClick={() => answer.mutate({ invitation: i, accept: false })} loading={answer.isPending && answer.variables?.invitation.id === i.id && !answer.variables.accept}>
                {t('invitations.decline')}
              </Button>
            </Group>
          </Stack>
        </Alert>
      ))}
    </Stack>
  );
}
