// The balance and its ledger (newest first). Amounts are kopecks on the wire.
import { Badge, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { DateTime } from '../../components/DateTime.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatRoubles } from '../../lib/format.ts';
import { inUiLanguage } from '../../lib/bilingual.ts';
import { useMembers } from '../settings/queries.ts';
import { useBalance } from './queries.ts';

const KIND_COLORS: Record<string, string> = { top_up: 'green', cashback: 'teal', plan_charge: 'orange', adjustment: 'gray' };

export function BalanceLedger() {
  const { t } = useTranslation('usage');
  const balance = useBalance();
  const members = useMembers();
  const emails = new Map((members.data?.items ?? []).map((m) => [m.userId, m.email]));
  const actorName = (actor: string) => (actor === 'system' ? t('balance.system') : actor.startsWith('token:') ? t('balance.token') : (emails.get(actor) ?? actor));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="usage-balance">
      <Stack gap="md">
        <Group justify="space-between" align="baseline">
          <Title order={2} size="h4" id="usage-balance">
            {t('balance.title')}
          </Title>
          {balance.data && (
            <Text size="xl" fw={700} data-testid="balance">
              {formatRoubles(balance.data.balanceKopecks)}
            </Text>
          )}
        </Group>
        <ErrorAlert error={balance.error} />
        {balance.data && balance.data.entries.length === 0 && <EmptyState title={t('balance.emptyTitle')} hint={t('balance.emptyHint')} />}
        {balance.data && balance.data.entries.length > 0 && (
          <Table.ScrollContainer minWidth={640}>
            <Table striped aria-labelledby="usage-balance">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('balance.when')}</Table.Th>
                  <Table.Th>{t('balance.kind')}</Table.Th>
                  <Table.Th ta="right">{t('balance.amount')}</Table.Th>
                  <Table.Th>{t('balance.reason')}</Table.Th>
                  <Table.Th>{t('balance.actor')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {balance.data.entries.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      <DateTime value={e.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="dot" color={KIND_COLORS[e.kind] ?? 'gray'} tt="none">
                        {t(`balance.kinds.${e.kind}`, { defaultValue: e.kind })}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right" c={e.amountKopecks < 0 ? 'red.9' : 'teal.9'} style={{ whiteSpace: 'nowrap' }}>
                      {e.amountKopecks > 0 ? '+' : ''}
                      {formatRoubles(e.amountKopecks)}
                    </Table.Td>
                    <Table.Td>{inUiLanguage(e.reason)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {actorName(e.actor)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}
