// Step one of adding a connection: the service, from a searchable list of the connectors that
// take credentials.
import { Group, ScrollArea, SimpleGrid, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { localLabel, type CatalogConnector } from '../../api/catalog.ts';
import classes from './ServicePicker.module.css';

export function ServicePicker(props: { connectors: CatalogConnector[]; onPick(connector: CatalogConnector): void }) {
  const { t, i18n } = useTranslation('connections');
  const [query, setQuery] = useState('');
  const needle = query.trim().toLowerCase();
  const shown = props.connectors.filter(
    (c) => !needle || [c.label, c.labelEn, c.connector].some((s) => s.toLowerCase().includes(needle)),
  );
  return (
    <Stack gap="sm">
      <TextInput
        label={t('add.search')}
        placeholder={t('add.searchPlaceholder')}
        leftSection={<IconSearch size={16} />}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
        data-autofocus
      />
      <ScrollArea.Autosize mah={420}>
        {shown.length === 0 ? (
          <Text size="sm" c="dimmed" py="md" ta="center">
            {t('add.nothing')}
          </Text>
        ) : (
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs">
            {shown.map((c) => (
              <UnstyledButton key={c.connector} className={classes.service} onClick={() => props.onPick(c)}>
                <Group gap="sm" wrap="nowrap">
                  <ConnectorIcon connector={c.connector} size={34} />
                  <div>
                    <Text fw={500} size="sm">
                      {localLabel(c, i18n.language)}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {c.auth.map((f) => f.label).join(', ')}
                    </Text>
                  </div>
                </Group>
              </UnstyledButton>
            ))}
          </SimpleGrid>
        )}
      </ScrollArea.Autosize>
    </Stack>
  );
}
