// A titled block that opens and closes (trigger data, a step's input and output).
import { Box, Collapse, UnstyledButton, Group, Text } from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import { useId, useState, type ReactNode } from 'react';

export function Collapsible(props: { title: ReactNode; defaultOpen?: boolean; children: ReactNode }) {
  const [open, setOpen] = useState(props.defaultOpen ?? false);
  const id = useId();
  return (
    <Box>
      <UnstyledButton onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls={id} py={2}>
        <Group gap={4} wrap="nowrap">
          {open ? <IconChevronDown size={16} aria-hidden /> : <IconChevronRight size={16} aria-hidden />}
          <Text size="sm" fw={500}>
            {props.title}
          </Text>
        </Group>
      </UnstyledButton>
      <Collapse expanded={open} id={id}>
        <Box pt={4}>{props.children}</Box>
      </Collapse>
    </Box>
  );
}
