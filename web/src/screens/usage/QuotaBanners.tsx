// Quota warnings (80 % and 100 % of the month's transactions or webhooks) above every screen.
// Part of the first page: keep it free of the chart library and of the usage screen's code.
import { Alert, Anchor, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { useNotifications } from './queries.ts';
import type { QuotaNotification } from './types.ts';

const DISMISSED_KEY = 'svyazka.dismissedQuotaBanners';

function readDismissed(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(DISMISSED_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

/** The billing month as the server counts it: calendar months in Moscow time. */
function currentMoscowMonth(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
}

/** Per quota, only the highest threshold crossed this month. */
function activeWarnings(items: QuotaNotification[]): QuotaNotification[] {
  const month = currentMoscowMonth();
  const top = new Map<string, QuotaNotification>();
  for (const n of items) {
    if (n.period !== month) continue;
    const seen = top.get(n.kind);
    if (!seen || n.threshold > seen.threshold) top.set(n.kind, n);
  }
  return [...top.values()].sort((a, b) => b.threshold - a.threshold);
}

export function QuotaBanners() {
  const { t, i18n } = useTranslation('usage');
  const location = useLocation();
  const notifications = useNotifications();
  const [dismissed, setDismissed] = useState(readDismissed);
  const warnings = activeWarnings(notifications.data?.items ?? []).filter((n) => !dismissed.has(n.id));
  if (warnings.length === 0) return null;

  function dismiss(id: string) {
    const next = new Set(dismissed).add(id);
    sessionStorage.setItem(DISMISSED_KEY, JSON.stringify([...next]));
    setDismissed(next);
  }

  return (
    <Stack gap="xs" mb="md">
      {warnings.map((n) => (
        <Alert
          key={n.id}
          color={n.threshold >= 100 ? 'red' : 'yellow'}
          icon={<IconAlertTriangle size={18} />}
          title={t(`banner.title.${n.kind}`, { threshold: n.threshold })}
          withCloseButton
          closeButtonLabel={t('banner.dismiss')}
          onClose={() => dismiss(n.id)}
          data-testid="quota-banner"
        >
          {i18n.language === 'en' ? n.messageEn : n.messageRu}{' '}
          {n.threshold >= 100 ? t(`banner.full.${n.kind}`) : ''}{' '}
          {!location.pathname.startsWith('/usage') && (
            <Anchor component={Link} to="/usage" size="sm">
              {t('banner.open')}
            </Anchor>
          )}
        </Alert>
      ))}
    </Stack>
  );
}
