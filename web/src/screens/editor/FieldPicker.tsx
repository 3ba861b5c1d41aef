// The field picker: a searchable list of the trigger's and earlier steps' fields (label, id and
// sample value); choosing one inserts `{{trigger.<id>}}` / `{{steps.<step>.<id>}}`.
import { ActionIcon, Box, Code, Group, Popover, ScrollArea, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { IconBraces, IconSearch } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PickerGroup } from './fieldSources.ts';
import { preview } from './flatten.ts';

const MAX_PER_GROUP = 200;

export function FieldPicker(props: { groups: PickerGroup[]; onPick(template: string): void; fieldLabel: string; disabled?: boolean }) {
  const { t } = useTranslation('editor');
  const [opened, setOpened] = useState(false);
  const [query, setQuery] = useState('');
  const filtered = useMemo(() => {
    const q = query.trim().toLowerCase();
    return props.groups.map((g) => ({
      ...g,
      fields: (q
        ? g.fields.filter((f) => f.id.toLowerCase().includes(q) || (f.label ?? '').toLowerCase().includes(q) || (f.hasValue && preview(f.value, 200).toLowerCase().includes(q)))
        : g.fields
      ).slice(0, MAX_PER_GROUP),
    }));
  }, [props.groups, query]);

  return (
    <Popover opened={opened} onChange={setOpened} width={460} position="bottom-end" shadow="md" trapFocus withinPortal>
      <Popover.Target>
        <Tooltip label={t('picker.open')}>
          <ActionIcon
            variant="light"
            size="lg"
            disabled={props.disabled}
            onClick={() => setOpened((o) => !o)}
            aria-label={t('picker.openFor', { field: props.fieldLabel })}
          >
            <IconBraces size={18} />
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown p="xs">
        <TextInput
          size="xs"
          leftSection={<IconSearch size={14} />}
          placeholder={t('picker.search')}
          aria-label={t('picker.search')}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          data-autofocus
          mb="xs"
        />
        <ScrollArea.Autosize mah={360} type="auto">
          <Stack gap="sm" role="list" aria-label={t('picker.title')}>
            {filtered.map((group) => (
              <Box key={group.root}>
                <Text size="xs" fw={700} c="dimmed" tt="uppercase" mb={4}>
                  {group.title}
                </Text>
                {group.fields.length === 0 && (
                  <Text size="xs" c="dimmed">
                    {group.root === 'trigger' ? t('picker.noTriggerFields') : t('picker.nothing')}
                  </Text>
                )}
                {group.fields.map((f) => (
                  <UnstyledButton
                    key={f.id}
                    role="listitem"
                    w="100%"
                    px={6}
                    py={4}
                    style={{ borderRadius: 6 }}
                    className="svz-picker-item"
                    onClick={() => {
                      props.onPick(`{{${group.root}.${f.id}}}`);
                      setOpened(false);
                      setQuery('');
                    }}
                  >
                    <Group gap={6} wrap="nowrap" justify="space-between">
                      <Box style={{ minWidth: 0 }}>
                        <Text size="sm" truncate>
                          {f.label || f.id}
                        </Text>
                        <Code fz={11} c="dimmed" bg="transparent" p={0}>
                          {f.id}
                        </Code>
                      </Box>
                      {f.hasValue && (
                        <Text size="xs" c="teal.8" maw={170} truncate title={preview(f.value, 500)}>
                          {preview(f.value)}
                        </Text>
                      )}
                    </Group>
                  </UnstyledButton>
                ))}
              </Box>
            ))}
          </Stack>
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
