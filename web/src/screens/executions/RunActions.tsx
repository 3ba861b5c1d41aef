// What can be done to one execution by hand: retry a failed one (as it ran, or with the flow's
// current version) or cancel one that has not finished.
import { Button, Group, Modal, Paper, Stack, Text } from '@mantine/core';
import { IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { CANCELLABLE, useCancelExecution, useRetryExecution, type Execution, type RetryMode } from './api.ts';

export function RunActions(props: { execution: Execution }) {
  const { t } = useTranslation('executions');
  const tc = useTranslation().t;
  const navigate = useNavigate();
  const retry = useRetryExecution();
  const cancel = useCancelExecution();
  const [choosing, setChoosing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const e = props.execution;

  const runRetry = async (mode: RetryMode) => {
    setError(null);
    try {
      const queued = await retry.mutateAsync({ id: e.id, mode });
      setChoosing(false);
      if (queued.id !== e.id) navigate(`/executions/${queued.id}`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Stack gap="xs" align="flex-end">
      <Group gap="sm">
        {e.status === 'failed' && (
          <Button leftSection={<IconRefresh size={16} />} onClick={() => setChoosing(true)}>
            {t('retry.button')}
          </Button>
        )}
        {CANCELLABLE.has(e.status) && (
          <ConfirmButton
            variant="outline"
            color="red.9"
            leftSection={<IconPlayerStop size={16} />}
            question={t('cancel.question')}
            details={t('cancel.details')}
            confirmLabel={t('cancel.confirm')}
            onConfirm={async () => {
              setError(null);
              try {
                await cancel.mutateAsync(e.id);
              } catch (err) {
                setError(err);
              }
            }}
          >
            {t('cancel.button')}
          </ConfirmButton>
        )}
      </Group>
      {error && !choosing ? <ErrorAlert error={error} /> : null}
      <Modal opened={choosing} onClose={() => setChoosing(false)} title={t('retry.title')} centered size="lg" closeButtonProps={{ 'aria-label': tc('action.close') }}>
        <Stack gap="sm">
          <Text size="sm">{t('retry.intro')}</Text>
          {(['as_ran', 'current'] as const).map((mode) => (
            <Paper key={mode} withBorder p="sm" radius="md">
              <Group justify="space-between" wrap="nowrap" gap="md">
                <Text size="sm" c="dimmed">
                  {t(`retry.${mode}.hint`)}
                </Text>
                <Button
                  style={{ flexShrink: 0 }}
                  loading={retry.isPending && retry.variables?.mode === mode}
                  disabled={retry.isPending && retry.variables?.mode !== mode}
                  onClick={() => void runRetry(mode)}
                >
                  {t(`retry.${mode}.button`)}
                </Button>
              </Group>
            </Paper>
          ))}
          {error ? <ErrorAlert error={error} /> : null}
        </Stack>
      </Modal>
    </Stack>
  );
}
