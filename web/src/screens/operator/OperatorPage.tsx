// The instance operator's screen: every workspace with its plan, trial and balance (change the
// plan, top up, adjust — for any workspace, member or not), the instance settings and the
// operators. Needs no current workspace: an operator may be a member of none.
import { Badge, Button, Group, Modal, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { DateTime } from '../../components/DateTime.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatNumber, formatRoubles } from '../../lib/format.ts';
import { notify } from '../settings/notify.ts';
import { BalanceActions } from '../usage/BalanceActions.tsx';
import { USAGE_KEY } from '../usage/queries.ts';

export interface OperatorWorkspace {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
  members: number;
  plan: { id: string; label: string };
  trialEndsAt: string | null;
  trialEnded: boolean;
  balanceKopecks: number;
}

export interface InstanceSettings {
  trialEnd: 'downgrade' | 'wait';
  trialEndPlan: string | null;
  workspaceCreation: 'auto' | 'anyone' | 'operators';
  trialEndPlanEffective: string;
  plans: Array<{ id: string; label: string }>;
}

const WORKSPACES_KEY = ['operator', 'workspaces'] as const;
const SETTINGS_KEY = ['operator', 'settings'] as const;
const CHEAPEST = '__cheapest__';

function ManageWorkspace(props: { workspace: OperatorWorkspace; plans: Array<{ id: string; label: string }>; onClose(): void }) {
  const { t } = useTranslation('operator');
  const client = useQueryClient();
  const { workspace } = props;
  const [planId, setPlanId] = useState(workspace.plan.id);
  const refresh = () => client.invalidateQueries({ queryKey: WORKSPACES_KEY });
  const change = useMutation({
    mutationFn: () => api('/billing/plan', { method: 'PUT', body: { planId }, workspace: workspace.id }),
    onSuccess: async () => {
      notify({ color: 'green', message: t('manage.planChanged', { name: workspace.name }) });
      await Promise.all([refresh(), client.invalidateQueries({ queryKey: USAGE_KEY })]);
    },
  });
  return (
    <Modal opened onClose={props.onClose} title={t('manage.title', { name: workspace.name })} size="lg" centered closeButtonProps={{ 'aria-label': t('common:action.close') }}>
      <Stack gap="lg">
        <Stack gap="xs">
          <Title order={3} size="h5">
            {t('manage.planTitle')}
          </Title>
          <Group align="flex-end">
            <Select
              label={t('manage.plan')}
              data={props.plans.map((p) => ({ value: p.id, label: p.label }))}
              value={planId}
              allowDeselect={false}
              onChange={(v) => v && setPlanId(v)}
              w={300}
            />
            <Button onClick={() => change.mutate()} loading={change.isPending} disabled={planId === workspace.plan.id && !workspace.trialEndsAt}>
              {t('manage.setPlan')}
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            {t('manage.planHint')}
          </Text>
          <ErrorAlert error={change.error} />
        </Stack>
        <BalanceActions workspace={workspace.id} onDone={() => void refresh()} />
      </Stack>
    </Modal>
  );
}

function TrialCell(props: { workspace: OperatorWorkspace }) {
  const { t } = useTranslation('operator');
  const w = props.workspace;
  if (w.trialEnded) return <Badge color="red.8" tt="none">{t('workspaces.trialEnded')}</Badge>;
  if (!w.trialEndsAt) return <Text size="sm" c="dimmed">—</Text>;
  return (
    <Text size="sm">
      {t('workspaces.trialUntil')} <DateTime value={w.trialEndsAt} />
    </Text>
  );
}

function WorkspacesSection(props: { plans: Array<{ id: string; label: string }> }) {
  const { t } = useTranslation('operator');
  const list = useQuery({ queryKey: WORKSPACES_KEY, queryFn: () => api<{ items: OperatorWorkspace[] }>('/operator/workspaces') });
  const [managed, setManaged] = useState<OperatorWorkspace | null>(null);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="operator-workspaces">
      <Stack gap="md">
        <Title order={2} size="h4" id="operator-workspaces">
          {t('workspaces.title')}
        </Title>
        <ErrorAlert error={list.error} />
        {list.isPending && <Text c="dimmed">{t('loading')}</Text>}
        {list.data && list.data.items.length === 0 && <EmptyState title={t('workspaces.empty')} />}
        {list.data && list.data.items.length > 0 && (
          <Table.ScrollContainer minWidth={760}>
            <Table striped aria-labelledby="operator-workspaces" verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('workspaces.name')}</Table.Th>
                  <Table.Th>{t('workspaces.plan')}</Table.Th>
                  <Table.Th>{t('workspaces.trial')}</Table.Th>
                  <Table.Th ta="right">{t('workspaces.balance')}</Table.Th>
                  <Table.Th ta="right">{t('workspaces.members')}</Table.Th>
                  <Table.Th>{t('workspaces.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((w) => (
                  <Table.Tr key={w.id} data-testid={`operator-workspace-${w.slug}`}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {w.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {w.slug}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{w.plan.label}</Text>
                    </Table.Td>
                    <Table.Td>
                      <TrialCell workspace={w} />
                    </Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                      {formatRoubles(w.balanceKopecks)}
                    </Table.Td>
                    <Table.Td ta="right">{formatNumber(w.members)}</Table.Td>
                    <Table.Td>
                      <Button size="xs" variant="default" onClick={() => setManaged(w)} aria-label={t('workspaces.manageWho', { name: w.name })}>
                        {t('workspaces.manage')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {managed && <ManageWorkspace workspace={managed} plans={props.plans} onClose={() => setManaged(null)} />}
    </Paper>
  );
}

function SettingsSection(props: { settings: InstanceSettings }) {
  const { t } = useTranslation('operator');
  const client = useQueryClient();
  const [trialEnd, setTrialEnd] = useState(props.settings.trialEnd);
  const [trialEndPlan, setTrialEndPlan] = useState(props.settings.trialEndPlan ?? CHEAPEST);
  const [creation, setCreation] = useState(props.settings.workspaceCreation);
  useEffect(() => {
    setTrialEnd(props.settings.trialEnd);
    setTrialEndPlan(props.settings.trialEndPlan ?? CHEAPEST);
    setCreation(props.settings.workspaceCreation);
  }, [props.settings]);
  const save = useMutation({
    mutationFn: () =>
      api<InstanceSettings>('/operator/settings', {
        method: 'PATCH',
        body: { trialEnd, trialEndPlan: trialEndPlan === CHEAPEST ? null : trialEndPlan, workspaceCreation: creation },
      }),
    onSuccess: async () => {
      notify({ color: 'green', message: t('settings.saved') });
      await client.invalidateQueries({ queryKey: SETTINGS_KEY });
    },
  });
  const cheapest = props.settings.plans.find((p) => p.id === props.settings.trialEndPlanEffective && props.settings.trialEndPlan === null);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="operator-settings">
      <Stack gap="md">
        <Title order={2} size="h4" id="operator-settings">
          {t('settings.title')}
        </Title>
        <Group align="flex-start" wrap="wrap">
          <Select
            label={t('settings.trialEnd')}
            description={t('settings.trialEndHint')}
            w={400}
            allowDeselect={false}
            value={trialEnd}
            onChange={(v) => v && setTrialEnd(v as InstanceSettings['trialEnd'])}
            data={[
              { value: 'downgrade', label: t('settings.downgrade') },
              { value: 'wait', label: t('settings.wait') },
            ]}
          />
          <Select
            label={t('settings.trialEndPlan')}
            w={400}
            allowDeselect={false}
            disabled={trialEnd !== 'downgrade'}
            value={trialEndPlan}
            onChange={(v) => v && setTrialEndPlan(v)}
            data={[
              { value: CHEAPEST, label: cheapest ? t('settings.cheapestIs', { plan: cheapest.label }) : t('settings.cheapest') },
              ...props.settings.plans.map((p) => ({ value: p.id, label: p.label })),
            ]}
          />
          <Select
            label={t('settings.workspaceCreation')}
            description={t('settings.workspaceCreationHint')}
            w={400}
            allowDeselect={false}
            value={creation}
            onChange={(v) => v && setCreation(v as InstanceSettings['workspaceCreation'])}
            data={[
              { value: 'auto', label: t('settings.creationAuto') },
              { value: 'operators', label: t('settings.creationOperators') },
              { value: 'anyone', label: t('settings.creationAnyone') },
            ]}
          />
        </Group>
        <ErrorAlert error={save.error} />
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {t('common:action.save')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function OperatorsSection() {
  const { t } = useTranslation('operator');
  const list = useQuery({ queryKey: ['operator', 'operators'], queryFn: () => api<{ items: Array<{ userId: string; email: string; name: string; since: string }> }>('/operator/operators') });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="operator-operators">
      <Stack gap="xs">
        <Title order={2} size="h4" id="operator-operators">
          {t('operators.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('operators.hint')}
        </Text>
        <ErrorAlert error={list.error} />
        {list.data?.items.map((o) => (
          <Text key={o.userId} size="sm">
            {o.email}
            {o.name && o.name !== o.email ? ` — ${o.name}` : ''}
          </Text>
        ))}
      </Stack>
    </Paper>
  );
}

export function OperatorPage() {
  const { t } = useTranslation('operator');
  const settings = useQuery({ queryKey: SETTINGS_KEY, queryFn: () => api<InstanceSettings>('/operator/settings') });
  return (
    <Stack gap="lg" maw={1280}>
      <div>
        <Title order={1} size="h2">
          {t('title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('subtitle')}
        </Text>
      </div>
      <ErrorAlert error={settings.error} />
      <WorkspacesSection plans={settings.data?.plans ?? []} />
      {settings.data && <SettingsSection settings={settings.data} />}
      <OperatorsSection />
    </Stack>
  );
}
