// A webhook trigger's address with a copy button and the connector's set-up steps. The address
// exists once the flow is saved; "Получить адрес" saves a new flow (disabled) to get one.
import { ActionIcon, Alert, Button, Code, CopyButton, Group, Stack, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy, IconInfoCircle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';

export function WebhookSetup(props: { webhookUrl: string | null; setupInstructions: string | null; savedTriggerDiffers: boolean; onGetUrl(): Promise<unknown> }) {
  const { t } = useTranslation('editor');
  const { readOnly } = useEditor();
  const [busy, setBusy] = useState(false);
  if (!props.webhookUrl || props.savedTriggerDiffers) {
    return (
      <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />} title={t('webhook.title')}>
        <Text size="sm" mb="xs">
          {props.webhookUrl ? t('webhook.saveToUpdate') : t('webhook.needSave')}
        </Text>
        {!readOnly && (
          <Button
            size="xs"
            loading={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await props.onGetUrl();
              } finally {
                setBusy(false);
              }
            }}
          >
            {props.webhookUrl ? t('webhook.saveNow') : t('webhook.getUrl')}
          </Button>
        )}
      </Alert>
    );
  }
  return (
    <Stack gap="xs">
      <Text size="sm" fw={600}>
        {t('webhook.urlLabel')}
      </Text>
      <Group gap="xs" wrap="nowrap">
        <Code style={{ flex: 1, overflowWrap: 'anywhere' }} p="xs" data-testid="webhook-url">
          {props.webhookUrl}
        </Code>
        <CopyButton value={props.webhookUrl}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? t('webhook.copied') : t('webhook.copy')}>
              <ActionIcon variant="light" size="lg" onClick={copy} aria-label={t('webhook.copy')} color={copied ? 'teal' : 'blue'}>
                {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
      {props.setupInstructions ? (
        <Alert variant="light" color="gray" title={t('webhook.setupTitle')}>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {props.setupInstructions}
          </Text>
        </Alert>
      ) : (
        <Text size="xs" c="dimmed">
          {t('webhook.genericHint')}
        </Text>
      )}
    </Stack>
  );
}
