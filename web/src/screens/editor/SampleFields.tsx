// The fields of a sample with their values, as the picker will offer them.
import { Code, ScrollArea, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { preview } from './flatten.ts';
import type { SampleField } from './flowTypes.ts';

export function SampleFields(props: { fields: SampleField[]; labels: Map<string, string> }) {
  const { t } = useTranslation('editor');
  if (props.fields.length === 0) return <Text size="sm" c="dimmed">{t('sample.empty')}</Text>;
  return (
    // Focusable, so the list scrolls from the keyboard too (axe: scrollable-region-focusable).
    <ScrollArea.Autosize mah={260} type="auto" viewportProps={{ tabIndex: 0, role: 'region', 'aria-label': t('sample.fieldsTable') }}>
      <Table striped withTableBorder fz="xs" verticalSpacing={4} aria-label={t('sample.fieldsTable')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('sample.field')}</Table.Th>
            <Table.Th>{t('sample.value')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.fields.map((f) => (
            <Table.Tr key={f.id}>
              <Table.Td>
                {props.labels.get(f.id) && <Text size="xs">{props.labels.get(f.id)}</Text>}
                <Code fz={11} bg="transparent" p={0} c="dimmed">{f.id}</Code>
              </Table.Td>
              <Table.Td style={{ wordBreak: 'break-word' }}>{preview(f.value, 120)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}
