// A signed-in user who is a member of no workspace yet: their invitations (accept one to get in),
// or — for an operator — the operator's screen; otherwise what to ask for.
import { Button, Container, Group, Stack, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { useSignOut, type Me } from '../../auth/session.tsx';
import { MyInvitations } from './MyInvitations.tsx';

const OperatorPage = lazy(() => import('../operator/OperatorPage.tsx').then((m) => ({ default: m.OperatorPage })));

export function NoWorkspacePage(props: { me: Me }) {
  const { t } = useTranslation('settings');
  const signOut = useSignOut();
  const { me } = props;
  return (
    <Container size="lg" py="xl">
      <Stack gap="lg">
        <Group justify="space-between">
          <Title order={1} size="h2">
            {t('noWorkspace.title')}
          </Title>
          <Group gap="sm">
            <Text size="sm" c="dimmed">
              {me.user?.email}
            </Text>
            <Button variant="default" size="xs" onClick={() => void signOut()}>
              {t('common:nav.signOut')}
            </Button>
          </Group>
        </Group>
        <MyInvitations enabled />
        {!me.invitations && !me.operator && <Text>{t('noWorkspace.hint')}</Text>}
        {me.operator && (
          <Suspense fallback={null}>
            <OperatorPage />
          </Suspense>
        )}
      </Stack>
    </Container>
  );
}
