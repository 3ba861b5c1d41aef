// The operator's balance tools: a top-up (cashback by the tiers is added by the server) and a
// manual adjustment with its reason. Amounts are typed in roubles and sent in kopecks. Used on
// the usage screen (the current workspace) and on the operator's screen (any workspace).
import { Button, Group, NumberInput, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatRoubles } from '../../lib/format.ts';
import { notify } from '../settings/notify.ts';
import { BALANCE_KEY } from './queries.ts';

const toKopecks = (roubles: number) => Math.round(roubles * 100);

export function BalanceActions(props: { workspace?: string; onDone?: () => void }) {
  const { t } = useTranslation('usage');
  const client = useQueryClient();
  const [topUp, setTopUp] = useState<number | string>('');
  const [adjust, setAdjust] = useState<number | string>('');
  const [reason, setReason] = useState('');
  const done = async () => {
    await client.invalidateQueries({ queryKey: BALANCE_KEY });
    props.onDone?.();
  };
  const topUpMutation = useMutation({
    mutationFn: (kopecks: number) =>
      api<{ balanceKopecks: number; cashbackKopecks: number }>('/balance/top-up', { body: { amountKopecks: kopecks }, workspace: props.workspace }),
    onSuccess: async (res) => {
      notify({ color: 'green', message: t('actions.toppedUp', { balance: formatRoubles(res.balanceKopecks), cashback: formatRoubles(res.cashbackKopecks) }) });
      setTopUp('');
      await done();
    },
  });
  const adjustMutation = useMutation({
    mutationFn: (body: { amountKopecks: number; reason: string }) =>
      api<{ balanceKopecks: number }>('/balance/adjust', { body, workspace: props.workspace }),
    onSuccess: async (res) => {
      notify({ color: 'green', message: t('actions.adjusted', { balance: formatRoubles(res.balanceKopecks) }) });
      setAdjust('');
      setReason('');
      await done();
    },
  });
  const issue = (error: unknown, field: string) => (error instanceof ApiError ? error.issues.find((i) => i.path.endsWith(field))?.message : undefined);

  function submitTopUp(e: FormEvent) {
    e.preventDefault();
    if (typeof topUp === 'number' && topUp > 0) topUpMutation.mutate(toKopecks(topUp));
  }
  function submitAdjust(e: FormEvent) {
    e.preventDefault();
    if (typeof adjust === 'number' && adjust !== 0) adjustMutation.mutate({ amountKopecks: toKopecks(adjust), reason: reason.trim() });
  }

  return (
    <Stack gap="md">
      <form onSubmit={submitTopUp}>
        <Stack gap="xs">
          <Title order={3} size="h5">
            {t('actions.topUpTitle')}
          </Title>
          <Group align="flex-end" wrap="wrap">
            <NumberInput
              label={t('actions.amount')}
              description={t('actions.topUpHint')}
              min={0.01}
              decimalScale={2}
              thousandSeparator=" "
              w={220}
              value={topUp}
              onChange={(v) => {
                setTopUp(v);
                topUpMutation.reset();
              }}
              error={issue(topUpMutation.error, 'amountKopecks')}
            />
            <Button type="submit" loading={topUpMutation.isPending} disabled={!(typeof topUp === 'number' && topUp > 0)}>
              {t('actions.topUp')}
            </Button>
          </Group>
          {topUpMutation.error && !issue(topUpMutation.error, 'amountKopecks') && <ErrorAlert error={topUpMutation.error} title={t('actions.failed')} />}
        </Stack>
      </form>
      <form onSubmit={submitAdjust}>
        <Stack gap="xs">
          <Title order={3} size="h5">
            {t('actions.adjustTitle')}
          </Title>
          <Group align="flex-start" wrap="wrap">
            <NumberInput
              label={t('actions.amount')}
              description={t('actions.adjustHint')}
              decimalScale={2}
              thousandSeparator=" "
              w={220}
              value={adjust}
              onChange={(v) => {
                setAdjust(v);
                adjustMutation.reset();
              }}
              error={issue(adjustMutation.error, 'amountKopecks')}
            />
            <TextInput
              label={t('actions.reason')}
              description={t('actions.reasonHint')}
              w={320}
              value={reason}
              onChange={(e) => {
                setReason(e.currentTarget.value);
                adjustMutation.reset();
              }}
              error={issue(adjustMutation.error, 'reason')}
            />
          </Group>
          {adjustMutation.error && !issue(adjustMutation.error, 'amountKopecks') && !issue(adjustMutation.error, 'reason') && (
            <ErrorAlert error={adjustMutation.error} title={t('actions.failed')} />
          )}
          <Group>
            <Button type="submit" variant="default" loading={adjustMutation.isPending} disabled={!(typeof adjust === 'number' && adjust !== 0) || reason.trim().length < 3}>
              {t('actions.adjust')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
