// The frame around every screen: navigation, workspace switcher, language, account menu, and
// the quota banners.
import { AppShell, Burger, Group, Menu, NavLink, ScrollArea, SegmentedControl, Select, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconChartBar,
  IconChevronDown,
  IconHistory,
  IconLink,
  IconLogout,
  IconPlugConnected,
  IconSettings,
  IconKey,
  IconWebhook,
  IconShieldCog,
} from '@tabler/icons-react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useSession } from '../auth/session.tsx';
import { setLanguage, type Language } from '../i18n/index.ts';
import { QuotaBanners } from '../screens/usage/QuotaBanners.tsx';
import { MyInvitations } from '../screens/settings/MyInvitations.tsx';

const NAV = [
  { to: '/flows', key: 'nav.flows', icon: IconLink },
  { to: '/connections', key: 'nav.connections', icon: IconPlugConnected },
  { to: '/executions', key: 'nav.executions', icon: IconHistory },
  { to: '/webhooks', key: 'nav.webhooks', icon: IconWebhook },
  { to: '/usage', key: 'nav.usage', icon: IconChartBar },
  { to: '/settings', key: 'nav.settings', icon: IconSettings },
] as const;

/** Only for the instance operator. */
const OPERATOR_NAV = { to: '/operator', key: 'nav.operator', icon: IconShieldCog } as const;

export function Layout() {
  const { t, i18n } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const { me, workspace, switchWorkspace, signOut, isOperator } = useSession();
  const location = useLocation();

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Text fw={700} size="lg" component={Link} to="/flows" style={{ textDecoration: 'none', color: 'inherit' }}>
              {t('product')}
            </Text>
            {me.workspaces.length > 1 ? (
              <Select
                size="xs"
                w={200}
                aria-label={t('nav.workspace')}
                value={workspace.id}
                data={me.workspaces.map((w) => ({ value: w.id, label: w.name }))}
                onChange={(v) => v && switchWorkspace(v)}
                allowDeselect={false}
              />
            ) : (
              <Text size="sm" c="dimmed" visibleFrom="xs">
                {workspace.name}
              </Text>
            )}
          </Group>
          <Group gap="sm" wrap="nowrap">
            <SegmentedControl
              size="xs"
              value={i18n.language}
              onChange={(v) => setLanguage(v as Language)}
              data={[
                { value: 'ru', label: 'RU' },
                { value: 'en', label: 'EN' },
              ]}
              aria-label={t('nav.language')}
            />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <UnstyledButton aria-label={`${t('nav.account')}: ${me.user?.email ?? t('nav.token')}`}>
                  <Group gap={4} wrap="nowrap">
                    <Text size="sm">{me.user?.email ?? t('nav.token')}</Text>
                    <IconChevronDown size={14} />
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item component={Link} to="/account" leftSection={<IconKey size={16} />}>
                  {t('nav.changePassword')}
                </Menu.Item>
                <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => void signOut()}>
                  {t('nav.signOut')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label={t('nav.main')}>
        <ScrollArea>
          {[...NAV, ...(isOperator ? [OPERATOR_NAV] : [])].map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={t(item.key)}
              leftSection={<item.icon size={18} />}
              active={location.pathname.startsWith(item.to)}
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <MyInvitations enabled={(me.invitations ?? 0) > 0} />
        <QuotaBanners />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
