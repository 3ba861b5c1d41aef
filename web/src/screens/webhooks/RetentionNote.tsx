// "История хранится N дней по тарифу; самый старый вебхук — <дата>" above the webhook list.
import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useTimeZone } from '../../auth/session.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useRetention } from './api.ts';

export function RetentionNote() {
  const { t } = useTranslation('webhooks');
  const tz = useTimeZone();
  const retention = useRetention();
  // Not every role may read usage; the list works without this line.
  if (!retention.data || retention.data.keptDays === null) return null;
  const { keptDays, oldestWebhookAt } = retention.data;
  return (
    <Text size="sm" c="dimmed" data-testid="retention-note">
      {t('retention.kept', { count: keptDays })}
      {oldestWebhookAt ? t('retention.oldest', { date: formatDateTime(oldestWebhookAt, tz) }) : t('retention.none')}
    </Text>
  );
}
