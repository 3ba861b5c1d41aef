// The workspace's audit log: who changed what and when, newest first, a page at a time. Owners only.
import { Alert, Badge, Code, Group, Select, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { IconHistory } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { Pager } from '../../components/Pager.tsx';
import { formatRoubles } from '../../lib/format.ts';
import { isMissingEndpoint } from './missingEndpoint.ts';
import { OwnerOnlyNote } from './OwnerOnlyNote.tsx';

export interface AuditEntry {
  id: string;
  at: string;
  actor: { id: string; kind: 'user' | 'token' | 'cli' | 'system'; label: string | null };
  action: string;
  target: { type: string; id: string | null; name: string | null };
  details: Record<string, unknown>;
  ip: string | null;
}

const PAGE_SIZE = 50;
const GROUPS = ['flow', 'connection', 'member', 'token', 'plan', 'balance', 'workspace', 'variable', 'execution', 'webhook'] as const;

export function AuditTab() {
  const { t } = useTranslation('audit');
  const { isOwner, workspace } = useSession();
  const [group, setGroup] = useState<string | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const before = cursors[cursors.length - 1];
  const log = useQuery({
    queryKey: ['audit', workspace.id, group, before],
    queryFn: () => {
      // Named even though X-Workspace says it too: an owner who is also the operator sees this workspace only.
      const q = new URLSearchParams({ workspace: workspace.id, limit: String(PAGE_SIZE) });
      if (group) q.set('action', group);
      if (before) q.set('before', before);
      return api<{ items: AuditEntry[]; next: string | null }>(`/audit?${q}`);
    },
    enabled: isOwner,
    retry: false,
    placeholderData: keepPreviousData,
  });

  if (!isOwner) return <OwnerOnlyNote text={t('ownerOnly')} />;
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('hint')}
      </Text>
      <Group>
        <Select
          label={t('filter')}
          placeholder={t('all')}
          clearable
          w={260}
          data={GROUPS.map((g) => ({ value: g, label: t(`groups.${g}`) }))}
          value={group}
          onChange={(v) => {
            setGroup(v);
            setCursors([]);
          }}
        />
      </Group>
      {isMissingEndpoint(log.error) ? <Alert color="yellow">{t('notSupported')}</Alert> : <ErrorAlert error={log.error} />}
      {log.isPending && <Text c="dimmed">{t('loading')}</Text>}
      {log.data && log.data.items.length === 0 && <EmptyState title={t('emptyTitle')} hint={t('emptyHint')} icon={<IconHistory size={28} />} />}
      {log.data && log.data.items.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-label={t('title')} verticalSpacing="xs" data-testid="audit-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('columns.at')}</Table.Th>
                <Table.Th>{t('columns.who')}</Table.Th>
                <Table.Th>{t('columns.action')}</Table.Th>
                <Table.Th>{t('columns.target')}</Table.Th>
                <Table.Th>{t('columns.details')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.data.items.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <DateTime value={e.at} seconds />
                  </Table.Td>
                  <Table.Td>
                    <Actor entry={e} />
                  </Table.Td>
                  <Table.Td>{t(`actions.${e.action}`, { defaultValue: e.action })}</Table.Td>
                  <Table.Td>
                    <Target entry={e} />
                  </Table.Td>
                  <Table.Td>
                    <Details entry={e} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager
        hasPrevious={cursors.length > 0}
        next={log.data?.next}
        onFirst={() => setCursors([])}
        onNext={(cursor) => setCursors([...cursors, cursor])}
      />
    </Stack>
  );
}

function Actor(props: { entry: AuditEntry }) {
  const { t } = useTranslation('audit');
  const { actor, ip } = props.entry;
  const who =
    actor.kind === 'user' ? (actor.label ?? actor.id)
    : actor.kind === 'token' ? t('actor.token', { name: actor.label ?? actor.id.slice(6) })
    : actor.kind === 'cli' ? t('actor.cli', { user: actor.label ?? '?' })
    : t('actor.system');
  return (
    <Stack gap={0}>
      <Text size="sm">{who}</Text>
      {ip && (
        <Text size="xs" c="dimmed">
          {ip}
        </Text>
      )}
    </Stack>
  );
}

function Target(props: { entry: AuditEntry }) {
  const { t } = useTranslation('audit');
  const { target } = props.entry;
  return (
    <Group gap={6} wrap="nowrap">
      <Badge variant="default" tt="none" size="sm">
        {t(`targets.${target.type}`, { defaultValue: target.type })}
      </Badge>
      <Text size="sm">{target.name ?? (target.type === 'balance' ? '' : target.id) ?? ''}</Text>
    </Group>
  );
}

/** Details in words where the shape is known, else `key: value`. */
function Details(props: { entry: AuditEntry }) {
  const { t } = useTranslation('audit');
  const d = props.entry.details;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(d)) {
    if (value === undefined || value === null) continue;
    if (key === 'amountKopecks' && typeof value === 'number') parts.push(formatRoubles(value));
    else if (key === 'changed' && value && typeof value === 'object') {
      for (const [field, change] of Object.entries(value as Record<string, { from?: unknown; to?: unknown }>)) {
        parts.push(`${t(`fields.${field}`, { defaultValue: field })}: ${show(change?.from)} → ${show(change?.to)}`);
      }
    } else if (key === 'from' && 'to' in d) parts.push(`${show(value)} → ${show(d.to)}`);
    else if (key === 'to' && 'from' in d) continue;
    else if (Array.isArray(value)) {
      if (value.length > 0) parts.push(`${t(`fields.${key}`, { defaultValue: key })}: ${value.map(show).join(', ')}`);
    } else if (typeof value === 'boolean') parts.push(`${t(`fields.${key}`, { defaultValue: key })}: ${value ? t('yes') : t('no')}`);
    else if ((key === 'kind' || key === 'kindBefore') && typeof value === 'string') parts.push(`${t(`fields.${key}`)}: ${t(`kinds.${value}`, { defaultValue: value })}`);
    else if (key === 'role' && typeof value === 'string') parts.push(`${t('fields.role')}: ${t(`settings:roles.${value}`, { defaultValue: value })}`);
    else parts.push(`${t(`fields.${key}`, { defaultValue: key })}: ${show(value)}`);
  }
  if (parts.length === 0) return <Text c="dimmed">—</Text>;
  return (
    <Stack gap={0}>
      {parts.map((p, i) => (
        <Text key={i} size="xs">
          {p.length > 200 ? <Code>{p.slice(0, 200)}…</Code> : p}
        </Text>
      ))}
    </Stack>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
