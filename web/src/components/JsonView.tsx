// Pretty-printed JSON (or text) in a scrollable block with a copy button.
import { Code, CopyButton, ActionIcon, Box, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

export function JsonView(props: { value: unknown; maxHeight?: number; label?: string }) {
  const { t } = useTranslation();
  const text = typeof props.value === 'string' ? props.value : JSON.stringify(props.value, null, 2) ?? '';
  return (
    <Box pos="relative">
      <Code block style={{ maxHeight: props.maxHeight ?? 400, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} aria-label={props.label}>
        {text}
      </Code>
      <CopyButton value={text}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? t('action.copied') : t('action.copy')}>
            <ActionIcon variant="subtle" onClick={copy} pos="absolute" top={4} right={4} aria-label={t('action.copy')}>
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Box>
  );
}
