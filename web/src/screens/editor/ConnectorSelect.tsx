// Searchable choice of a connector (with its icon and Russian label) and of a catalog item.
import { Anchor, Group, Select, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { labelOf, useEditor } from './editorContext.tsx';
import type { Catalog } from './flowTypes.ts';

export function ConnectorSelect(props: { label: string; value: string; catalogs: Catalog[]; onChange(connector: string): void; error?: string; placeholder?: string }) {
  const { i18n } = useTranslation('editor');
  const { readOnly } = useEditor();
  const byKey = new Map(props.catalogs.map((c) => [c.connector, c]));
  return (
    <Select
      label={props.label}
      placeholder={props.placeholder}
      searchable
      allowDeselect={false}
      nothingFoundMessage="—"
      value={props.value || null}
      readOnly={readOnly}
      error={props.error}
      leftSection={props.value ? <ConnectorIcon connector={props.value} size={22} /> : undefined}
      data={props.catalogs.map((c) => ({ value: c.connector, label: labelOf(c, i18n.language) }))}
      renderOption={({ option }) => (
        <Group gap="xs" wrap="nowrap">
          <ConnectorIcon connector={option.value} size={22} />
          <Text size="sm">{option.label}</Text>
          {byKey.get(option.value) && <Text size="xs" c="dimmed">{option.value}</Text>}
        </Group>
      )}
      onChange={(v) => v && props.onChange(v)}
    />
  );
}

/** Events or actions: "Label" with the id dimmed beside it; search matches both. */
export function CatalogItemSelect(props: {
  label: string;
  value: string;
  items: Array<{ id: string; label: string; labelEn?: string }>;
  onChange(id: string): void;
  error?: string;
  placeholder?: string;
  disabled?: boolean;
}) {
  const { i18n } = useTranslation('editor');
  const { readOnly } = useEditor();
  return (
    <Select
      label={props.label}
      placeholder={props.placeholder}
      searchable
      allowDeselect={false}
      disabled={props.disabled}
      readOnly={readOnly}
      error={props.error}
      nothingFoundMessage="—"
      value={props.value || null}
      data={props.items.map((i) => ({ value: i.id, label: `${labelOf(i, i18n.language)} · ${i.id}` }))}
      renderOption={({ option }) => {
        const [text, id] = option.label.split(' · ');
        return (
          <Group gap="xs" justify="space-between" wrap="nowrap" w="100%">
            <Text size="sm">{text}</Text>
            <Text size="xs" c="dimmed" ff="monospace">{id}</Text>
          </Group>
        );
      }}
      onChange={(v) => v && props.onChange(v)}
    />
  );
}

/**
 * A connection of `connector` by name. A name that is not one of the workspace's connections
 * (a template's placeholder, or one deleted since) is kept, shown and flagged.
 */
export function ConnectionSelect(props: { connector: string; value: string | undefined; onChange(name: string): void; error?: string }) {
  const { t } = useTranslation('editor');
  const { connections, readOnly } = useEditor();
  const mine = connections.filter((c) => c.connector === props.connector);
  const unknown = Boolean(props.value) && !mine.some((c) => c.name === props.value);
  const data = mine.map((c) => ({ value: c.name, label: c.name }));
  if (unknown && props.value) data.unshift({ value: props.value, label: t('connection.placeholder', { name: props.value }) });
  const error = props.error ?? (unknown ? t('connection.choose') : !props.value && mine.length > 0 ? t('connection.required') : undefined);
  return (
    <div>
      <Select
        label={t('connection.label')}
        placeholder={mine.length ? t('connection.pick') : t('connection.none')}
        value={props.value ?? null}
        data={data}
        allowDeselect={false}
        readOnly={readOnly}
        onChange={(v) => v && props.onChange(v)}
        error={error}
        data-placeholder-connection={unknown || undefined}
        styles={unknown ? { input: { borderColor: 'var(--mantine-color-orange-6)', background: 'var(--mantine-color-orange-0)' } } : undefined}
      />
      {mine.length === 0 && (
        <Text size="xs" mt={4}>
          {t('connection.noneHint')}{' '}
          <Anchor component={Link} to="/connections" size="xs">
            {t('connection.add')}
          </Anchor>
        </Text>
      )}
    </div>
  );
}
