// Execution and step statuses in words, with a colour a glance can read.
import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  waiting: 'yellow',
  retrying: 'orange',
  succeeded: 'green',
  failed: 'red',
  filtered: 'gray',
  stopped: 'gray',
  cancelled: 'dark',
  quota_exceeded: 'red',
  waiting_for_service: 'grape',
  skipped: 'gray',
  passed: 'green',
  not_found: 'yellow',
  accepted: 'green',
  no_enabled_flow: 'yellow',
  invalid: 'red',
};

export function StatusBadge(props: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[props.status] ?? 'gray'} variant="light" data-status={props.status}>
      {t(`status.${props.status}`, { defaultValue: props.status })}
    </Badge>
  );
}
