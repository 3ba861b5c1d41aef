// Field mapping of an action: every input the catalog lists (label, id, required mark, a template
// input with the picker), then the keys the catalog does not list (an HTTP body, custom fields),
// editable as key + value, and "add a field".
import { ActionIcon, Button, Code, Group, Stack, Text, TextInput, UnstyledButton } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import type { CatalogField } from './flowTypes.ts';
import { issuesUnder } from './issues.ts';
import { ValueInput } from './ValueInput.tsx';

/** Catalog ids are dotted (`customer.id`); a flow may give them flat or nested. */
function readInput(input: Record<string, unknown>, id: string): unknown {
  if (id in input) return input[id];
  let node: unknown = input;
  for (const part of id.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const REQUIRED_FIRST_LIMIT = 12;

export function InputMapping(props: { fields: CatalogField[]; input: Record<string, unknown>; issueBase: string; onChange(input: Record<string, unknown>): void }) {
  const { t } = useTranslation('editor');
  const { issues, readOnly } = useEditor();
  const [showAll, setShowAll] = useState(false);
  const [newKey, setNewKey] = useState('');
  const known = new Set(props.fields.map((f) => f.id));
  const roots = new Set(props.fields.map((f) => f.id.split('.')[0]));
  const extra = Object.keys(props.input).filter((k) => !known.has(k) && !(roots.has(k) && typeof props.input[k] === 'object'));

  const set = (id: string, value: unknown) => {
    const next = { ...props.input };
    if (value === '' || value === undefined) delete next[id];
    else next[id] = value;
    props.onChange(next);
  };

  // Long catalogs (RetailCRM orders have 140 fields): required and filled ones first, the rest on demand.
  const important = props.fields.filter((f) => f.required || readInput(props.input, f.id) !== undefined || issuesUnder(issues, `${props.issueBase}.${f.id}`).length > 0);
  const rest = props.fields.filter((f) => !important.includes(f));
  const collapse = props.fields.length > REQUIRED_FIRST_LIMIT && !showAll;
  const visible = collapse ? important : props.fields;

  return (
    <Stack gap="sm">
      <Text size="sm" fw={600}>
        {t('mapping.title')}
      </Text>
      {visible.map((f) => (
        <ValueInput
          key={f.id}
          label={
            <>
              {f.label}{' '}
              <Code fz={11} c="dimmed" bg="transparent" p={0}>
                {f.id}
              </Code>
            </>
          }
          fieldName={f.label}
          required={f.required}
          description={f.choices && !readOnly ? <Choices label={t('mapping.choices')} field={f.label} choices={f.choices} onPick={(v) => set(f.id, v)} /> : undefined}
          value={readInput(props.input, f.id)}
          error={issuesUnder(issues, `${props.issueBase}.${f.id}`).join('; ') || undefined}
          onChange={(v) => set(f.id, v)}
        />
      ))}
      {collapse && rest.length > 0 && (
        <Button variant="subtle" size="xs" onClick={() => setShowAll(true)} style={{ alignSelf: 'flex-start' }}>
          {t('mapping.showAll', { count: rest.length })}
        </Button>
      )}
      {!collapse && props.fields.length > REQUIRED_FIRST_LIMIT && (
        <Button variant="subtle" size="xs" onClick={() => setShowAll(false)} style={{ alignSelf: 'flex-start' }}>
          {t('mapping.showLess')}
        </Button>
      )}
      {extra.length > 0 && (
        <Text size="sm" fw={600} mt="xs">
          {t('mapping.extra')}
        </Text>
      )}
      {extra.map((key) => (
        <Group key={key} gap="xs" align="flex-start" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <ValueInput
              label={<Code>{key}</Code>}
              fieldName={key}
              value={props.input[key]}
              error={issuesUnder(issues, `${props.issueBase}.${key}`).join('; ') || undefined}
              onChange={(v) => props.onChange({ ...props.input, [key]: v })}
            />
          </div>
          {!readOnly && (
            <ActionIcon mt={25} variant="subtle" color="red" aria-label={t('mapping.removeKey', { key })} onClick={() => set(key, undefined)}>
              <IconTrash size={16} />
            </ActionIcon>
          )}
        </Group>
      ))}
      {!readOnly && (
        <Group gap="xs" align="flex-end">
          <TextInput
            size="xs"
            label={t('mapping.newKey')}
            placeholder="customFields.my_field"
            value={newKey}
            onChange={(e) => setNewKey(e.currentTarget.value.trim())}
          />
          <Button
            size="xs"
            variant="default"
            leftSection={<IconPlus size={14} />}
            disabled={!newKey || newKey in props.input}
            onClick={() => {
              props.onChange({ ...props.input, [newKey]: '' });
              setNewKey('');
            }}
          >
            {t('mapping.addKey')}
          </Button>
          <Button
            size="xs"
            variant="subtle"
            disabled={!newKey || newKey in props.input}
            onClick={() => {
              props.onChange({ ...props.input, [newKey]: {} });
              setNewKey('');
            }}
          >
            {t('mapping.addJsonKey')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** The allowed values of a field, one click each. */
function Choices(props: { label: string; field: string; choices: NonNullable<CatalogField['choices']>; onPick(value: string): void }) {
  return (
    <Group gap={6} component="span" wrap="wrap">
      <span>{props.label}</span>
      {props.choices.map((c) => (
        <UnstyledButton key={c.value} component="span" role="button" tabIndex={0} aria-label={`${props.field}: ${c.label}`} onClick={() => props.onPick(c.value)} onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && props.onPick(c.value)}>
          <Code>{c.label}</Code>
        </UnstyledButton>
      ))}
    </Group>
  );
}
