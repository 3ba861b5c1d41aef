// Workspace settings: the workspace itself, its members, its API tokens.
import { Stack, Tabs, Text, Title } from '@mantine/core';
import { IconHistory, IconKey, IconSettings, IconUsers, IconVariable } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { useSession } from '../../auth/session.tsx';
import { AuditTab } from './AuditTab.tsx';
import { MembersTab } from './MembersTab.tsx';
import { TokensTab } from './TokensTab.tsx';
import { VariablesTab } from './VariablesTab.tsx';
import { WorkspaceTab } from './WorkspaceTab.tsx';

const TABS = ['workspace', 'members', 'tokens', 'variables', 'audit'] as const;
type Tab = (typeof TABS)[number];

export function SettingsPage() {
  const { t } = useTranslation('settings');
  const { workspace, isOwner } = useSession();
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab');
  const tab: Tab = TABS.includes(requested as Tab) ? (requested as Tab) : 'workspace';

  return (
    <Stack gap="md" maw={960}>
      <div>
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        <Text c="dimmed" size="sm">
          {t('subtitle', { name: workspace.name, role: t(`roles.${workspace.role}`) })}
        </Text>
      </div>
      <Tabs value={tab} onChange={(v) => v && setParams({ tab: v }, { replace: true })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="workspace" leftSection={<IconSettings size={16} />}>
            {t('tabs.workspace')}
          </Tabs.Tab>
          <Tabs.Tab value="members" leftSection={<IconUsers size={16} />}>
            {t('tabs.members')}
          </Tabs.Tab>
          <Tabs.Tab value="tokens" leftSection={<IconKey size={16} />}>
            {t('tabs.tokens')}
          </Tabs.Tab>
          <Tabs.Tab value="variables" leftSection={<IconVariable size={16} />}>
            {t('variables:tab')}
          </Tabs.Tab>
          {isOwner && (
            <Tabs.Tab value="audit" leftSection={<IconHistory size={16} />}>
              {t('audit:tab')}
            </Tabs.Tab>
          )}
        </Tabs.List>
        <Tabs.Panel value="workspace">
          <WorkspaceTab />
        </Tabs.Panel>
        <Tabs.Panel value="members">
          <MembersTab />
        </Tabs.Panel>
        <Tabs.Panel value="tokens">
          <TokensTab />
        </Tabs.Panel>
        <Tabs.Panel value="variables">
          <VariablesTab />
        </Tabs.Panel>
        <Tabs.Panel value="audit">
          <AuditTab />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
