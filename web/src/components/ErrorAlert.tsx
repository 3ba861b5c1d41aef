// An API or network error shown in place: the server's message, and its per-field issues.
import { Alert, List } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { inUiLanguage } from '../lib/bilingual.ts';

export function ErrorAlert(props: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  if (!props.error) return null;
  const error = props.error;
  const message = inUiLanguage(error instanceof Error ? error.message : String(error));
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <Alert color="red" icon={<IconAlertTriangle size={18} />} title={props.title ?? t('error.title')} role="alert">
      {message}
      {issues.length > 1 && (
        <List size="sm" mt="xs">
          {issues.map((i, n) => (
            <List.Item key={n}>
              {i.path ? <code>{i.path}</code> : null} {inUiLanguage(i.message)}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
