// "С" and "По" for a list filter: wall-clock times in the workspace's zone, kept as ISO UTC.
import { Group, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTimeZone } from '../../auth/session.tsx';
import { isoToZonedInput, zonedInputToIso } from './zonedTime.ts';

function ZonedInput(props: { label: string; value: string | undefined; onChange(iso: string | null): void }) {
  const tz = useTimeZone();
  // The input keeps its own text while it is incomplete; the filter changes only on a whole value.
  const [text, setText] = useState(isoToZonedInput(props.value, tz));
  useEffect(() => setText(isoToZonedInput(props.value, tz)), [props.value, tz]);
  return (
    <TextInput
      type="datetime-local"
      label={props.label}
      value={text}
      w={210}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        if (next === '') props.onChange(null);
        else {
          const iso = zonedInputToIso(next, tz);
          if (iso) props.onChange(iso);
        }
      }}
    />
  );
}

export function TimeRange(props: { from: string | undefined; to: string | undefined; onChange(key: 'from' | 'to', iso: string | null): void }) {
  const { t } = useTranslation('executions');
  const tz = useTimeZone();
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <ZonedInput label={t('filter.from')} value={props.from} onChange={(v) => props.onChange('from', v)} />
      <ZonedInput label={t('filter.to')} value={props.to} onChange={(v) => props.onChange('to', v)} />
      <Text size="xs" c="dimmed" pb={10}>
        {t('filter.timeZone', { tz })}
      </Text>
    </Group>
  );
}
