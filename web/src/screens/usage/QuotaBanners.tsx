// Quota warnings (80 % and 100 % of the month's transactions or webhooks, and of the plan's disk
// for history and journals) above every screen.
// Part of the first page: keep it free of the chart library and of the usage screen's code.
import { Alert, Anchor, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { formatNumber } from '../../lib/format.ts';
import { useNotifications, useUsage } from './queries.ts';
import { formatSize } from './size.ts';
import type { QuotaNotification, Usage } from './types.ts';

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

/** What a warning is about, live: a quota's used and limit, or the disk's bytes and the plan's limit (none: null). */
function measureOf(usage: Usage | undefined, kind: QuotaNotification['kind']): { used: number; limit: number } | null | undefined {
  if (!usage) return undefined;
  if (kind !== 'disk') return usage[kind];
  const s = usage.storage;
  return s?.limitBytes ? { used: s.historyBytes + s.journalBytes, limit: s.limitBytes } : null;
}

/**
 * Per quota, only the highest threshold crossed this month — and only while the usage is still
 * above it (after an upgrade the month's warnings stay stored but no longer apply).
 */
function activeWarnings(items: QuotaNotification[], usage: Usage | undefined): QuotaNotification[] {
  const month = currentMoscowMonth();
  const top = new Map<string, QuotaNotification>();
  for (const n of items) {
    if (n.period !== month) continue;
    const quota = measureOf(usage, n.kind);
    if (quota === null) continue; // the plan no longer limits it
    if (quota && quota.limit > 0 && (quota.used / quota.limit) * 100 < n.threshold) continue;
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
  const month = currentMoscowMonth();
  const raised = (notifications.data?.items ?? []).some((n) => n.period === month && !dismissed.has(n.id));
  // The usage (shared with the usage screen's cache) is asked for only while there is a warning to check.
  const usage = useUsage({ enabled: raised, refetchInterval: 60_000 });
  const warnings = activeWarnings(notifications.data?.items ?? [], usage.data).filter((n) => !dismissed.has(n.id));
  if (warnings.length === 0) return null;

  // The stored message names the limit of the plan at the time; the live numbers are better.
  function bannerTitle(n: QuotaNotification): string {
    const quota = measureOf(usage.data, n.kind);
    if (!quota || quota.limit <= 0) return i18n.language === 'en' ? n.messageEn : n.messageRu;
    const amount = (x: number) => (n.kind === 'disk' ? formatSize(x, t) : formatNumber(x));
    return t(`banner.title.${n.kind}`, { percent: Math.floor((quota.used / quota.limit) * 100), used: amount(quota.used), limit: amount(quota.limit) });
  }

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
          title={bannerTitle(n)}
          withCloseButton
          closeButtonLabel={t('banner.dismiss')}
          onClose={() => dismiss(n.id)}
          data-testid="quota-banner"
          styles={{ title: { color: 'var(--mantine-color-text)' } }}
        >
          {t(n.threshold >= 100 ? `banner.full.${n.kind}` : `banner.near.${n.kind}`)}{' '}
          {!location.pathname.startsWith('/usage') && (
            <Anchor component={Link} to="/usage" size="sm" c="dark" fw={600} underline="always">
              {t('banner.open')}
            </Anchor>
          )}
        </Alert>
      ))}
    </Stack>
  );
}
