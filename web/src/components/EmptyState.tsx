// What an empty list says: what is missing and what to do next.
import { Stack, Text, ThemeIcon } from '@mantine/core';
import { IconInbox } from '@tabler/icons-react';
import type { ReactNode } from 'react';

export function EmptyState(props: { title: string; hint?: ReactNode; action?: ReactNode; icon?: ReactNode }) {
  return (
    <Stack align="center" gap="xs" py="xl" data-testid="empty-state">
      <ThemeIcon size={48} radius="xl" variant="light" color="gray">
        {props.icon ?? <IconInbox size={28} />}
      </ThemeIcon>
      <Text fw={600}>{props.title}</Text>
      {props.hint && (
        <Text c="dimmed" size="sm" ta="center" maw={480}>
          {props.hint}
        </Text>
      )}
      {props.action}
    </Stack>
  );
}
