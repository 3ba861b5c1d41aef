// "Тестовый запуск": runs the draft once on the sample (POST /flows/test-run), optionally against
// the connectors' sandboxes; each step's result appears under its card.
import { Alert, Button, Card, Group, Stack, Switch, Text, Title } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { testRun } from './editorApi.ts';
import type { FlowDefinition, TestRunResult } from './flowTypes.ts';

interface Props {
  definition: FlowDefinition;
  sample: unknown;
  hasSample: boolean;
  readOnly: boolean;
  result: TestRunResult | null;
  onResult(result: TestRunResult | null): void;
  /** A 422 from the test run: its issues go onto the fields like a save's. */
  onInvalid(error: ApiError): void;
}

export function TestRunPanel(props: Props) {
  const { t } = useTranslation('editor');
  const [sandbox, setSandbox] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onResult(await testRun(props.definition, props.sample, sandbox));
    } catch (e) {
      props.onResult(null);
      if (e instanceof ApiError && e.status === 422) props.onInvalid(e);
      if (e instanceof ApiError && e.status === 404 && /^Route /.test(e.message)) setError(new Error(t('run.unsupported')));
      else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder radius="md" padding="md">
      <Stack gap="xs">
        <Title order={2} size="h5">
          {t('run.title')}
        </Title>
        <Switch
          checked={sandbox}
          onChange={(e) => setSandbox(e.currentTarget.checked)}
          label={t('run.sandbox')}
          description={t('run.sandboxHint')}
        />
        {!sandbox && (
          <Alert color="orange" variant="light" p="xs">
            <Text size="xs">{t('run.realWarning')}</Text>
          </Alert>
        )}
        {!props.hasSample && (
          <Text size="xs" c="dimmed">
            {t('run.noSample')}
          </Text>
        )}
        <Group>
          <Button leftSection={<IconPlayerPlay size={16} />} loading={busy} onClick={() => void run()} disabled={props.readOnly}>
            {t('run.start')}
          </Button>
        </Group>
        <ErrorAlert error={error} title={t('run.failedToStart')} />
        {props.result && (
          <Stack gap={4} role="status">
            <Group gap="xs">
              <Text size="sm">{t('run.result')}</Text>
              <StatusBadge status={props.result.status} />
            </Group>
            {props.result.error && (
              <Text size="sm" c="red">
                {props.result.error}
              </Text>
            )}
            <Text size="xs" c="dimmed">
              {t('run.seeSteps')}
            </Text>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
