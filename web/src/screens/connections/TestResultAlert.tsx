// The outcome of a connection test in plain words: green when it works, red with the
// connector's own explanation when not.
import { Alert } from '@mantine/core';
import { IconCircleCheck, IconPlugConnectedX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { TestResult } from './api.ts';

export function TestResultAlert({ result }: { result: TestResult }) {
  const { t } = useTranslation('connections');
  return result.ok ? (
    <Alert color="green" icon={<IconCircleCheck size={18} />} title={t('test.ok')} role="status">
      {result.message && result.message !== 'Подключение работает' ? result.message : t('test.okHint')}
    </Alert>
  ) : (
    <Alert color="red" icon={<IconPlugConnectedX size={18} />} title={t('test.failed')} role="alert">
      {result.message}
    </Alert>
  );
}
