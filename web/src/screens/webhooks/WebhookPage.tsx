// /webhooks/:id — one webhook as it arrived: method, headers, query, body; the runs it started;
// and Replay, which runs the flow on it again (its actions too, so transactions are spent).
import { Anchor, Breadcrumbs, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useSession } from '../../auth/session.tsx';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatBytes } from '../../lib/format.ts';
import { useFlowNames } from '../../components/history/flows.ts';
import { Fact, RecordGate } from '../../components/history/RecordGate.tsx';
import { useReplayWebhook, useWebhook, type WebhookDetail } from './api.ts';

export function WebhookPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation('webhooks');
  const query = useWebhook(id);

  return (
    <RecordGate
      query={query}
      title={t('detail.title')}
      notFound={{ title: t('detail.notFound'), hint: t('detail.notFoundHint'), backTo: '/webhooks', backLabel: t('detail.back') }}
    >
      {(webhook) => <WebhookView webhook={webhook} />}
    </RecordGate>
  );
}


/** Text and unparsable bodies are stored as `{text}`: show the text itself. */
function bodyToShow(w: WebhookDetail): unknown {
  const body = w.body as { text?: unknown } | null;
  if ((w.bodyKind === 'text' || w.bodyKind === 'invalid') && body && typeof body.text === 'string') return body.text;
  return w.body;
}

function WebhookView({ webhook: w }: { webhook: WebhookDetail }) {
  const { t } = useTranslation('webhooks');
  const { canEdit } = useSession();
  const navigate = useNavigate();
  const replay = useReplayWebhook();
  const [error, setError] = useState<unknown>(null);
  const nameOf = useFlowNames([w]);
  const flowName = nameOf(w) ?? t('unknownFlow');
  const headers = Object.entries(w.headers ?? {});
  const hasQuery = Object.keys(w.query ?? {}).length > 0;

  return (
    <Stack gap="lg">
      <Breadcrumbs>
        <Anchor component={Link} to="/webhooks" size="sm">
          {t('title')}
        </Anchor>
        <Text size="sm" c="dimmed">
          {w.id}
        </Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Group gap="sm">
          <Title order={1} size="h2">
            {t('detail.heading', { method: w.method, flow: flowName })}
          </Title>
          <StatusBadge status={w.status} />
        </Group>
        {canEdit && (
          <Stack gap={4}>
            {w.status === 'invalid' ? (
              <Text size="sm" c="dimmed">
                {t('replay.invalid')}
              </Text>
            ) : (
              <ConfirmButton
                color="blue"
                leftSection={<IconPlayerPlay size={16} />}
                question={t('replay.question')}
                details={t('replay.details')}
                confirmLabel={t('replay.confirm')}
                onConfirm={async () => {
                  setError(null);
                  try {
                    const execution = await replay.mutateAsync(w.id);
                    navigate(`/executions/${execution.id}`);
                  } catch (err) {
                    setError(err);
                  }
                }}
              >
                {t('replay.button')}
              </ConfirmButton>
            )}
          </Stack>
        )}
      </Group>
      {error ? <ErrorAlert error={error} /> : null}
      {w.error && (
        <Paper withBorder p="sm" radius="md" style={{ borderColor: 'var(--mantine-color-red-4)' }}>
          <Text size="sm" c="red" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
            {t('detail.error')}: {w.error}
          </Text>
        </Paper>
      )}

      <Paper withBorder p="md" radius="md">
        <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }} spacing="md" verticalSpacing="sm">
          <Fact label={t('detail.flow')}>
            <Anchor component={Link} to={`/flows/${w.flowId}`}>
              {flowName}
            </Anchor>
          </Fact>
          <Fact label={t('detail.received')}>
            <DateTime value={w.receivedAt} seconds />
          </Fact>
          <Fact label={t('detail.method')}>
            <Text span ff="monospace" size="sm">
              {w.method}
            </Text>
          </Fact>
          <Fact label={t('detail.sender')}>
            <Text span ff="monospace" size="sm">
              {w.ip ?? '—'}
            </Text>
          </Fact>
          <Fact label={t('detail.contentType')}>
            <Text span ff="monospace" size="sm">
              {w.contentType ?? '—'}
            </Text>
          </Fact>
          <Fact label={t('detail.size')}>{formatBytes(w.size)}</Fact>
          <Fact label={t('detail.bodyKind')}>{t(`bodyKind.${w.bodyKind}`, { defaultValue: w.bodyKind })}</Fact>
        </SimpleGrid>
      </Paper>

      <Stack gap="xs">
        <Title order={2} size="h4">
          {t('detail.executions')}
        </Title>
        {w.executions.length === 0 ? (
          <Text size="sm" c="dimmed">
            {w.status === 'no_enabled_flow' ? t('detail.noExecutionsDisabled') : t('detail.noExecutions')}
          </Text>
        ) : (
          <Table verticalSpacing={4} maw={720}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('column.time')}</Table.Th>
                <Table.Th>{t('detail.origin')}</Table.Th>
                <Table.Th>{t('column.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {w.executions.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/executions/${e.id}`}>
                      <DateTime value={e.createdAt} seconds />
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{t(`executions:origin.${e.origin}`, { defaultValue: e.origin })}</Text>
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={e.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>

      <Stack gap="xs">
        <Title order={2} size="h4">
          {t('detail.body')}
        </Title>
        {w.bodyKind === 'empty' ? (
          <Text size="sm" c="dimmed">
            {t('detail.emptyBody')}
          </Text>
        ) : (
          <JsonView value={bodyToShow(w)} maxHeight={520} label={t('detail.body')} />
        )}
      </Stack>

      {hasQuery && (
        <Stack gap="xs">
          <Title order={2} size="h4">
            {t('detail.query')}
          </Title>
          <JsonView value={w.query} label={t('detail.query')} />
        </Stack>
      )}

      <Stack gap="xs">
        <Title order={2} size="h4">
          {t('detail.headers')}
        </Title>
        <Table verticalSpacing={2} maw={900} withTableBorder>
          <Table.Tbody>
            {headers.map(([name, value]) => (
              <Table.Tr key={name}>
                <Table.Td w={240}>
                  <Text size="sm" ff="monospace" c="dimmed">
                    {name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                    {value}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Stack>
  );
}
