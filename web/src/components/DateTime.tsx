import { Tooltip } from '@mantine/core';
import { useTimeZone } from '../auth/session.tsx';
import { formatDateTime } from '../lib/format.ts';

/** A time in the workspace's zone; the exact ISO time on hover. */
export function DateTime(props: { value: string | number | null | undefined; seconds?: boolean }) {
  const tz = useTimeZone();
  if (props.value === null || props.value === undefined) return <span>—</span>;
  return (
    <Tooltip label={`${new Date(props.value).toISOString()} (UTC)`} openDelay={500}>
      <span>{formatDateTime(props.value, tz, { seconds: props.seconds })}</span>
    </Tooltip>
  );
}
