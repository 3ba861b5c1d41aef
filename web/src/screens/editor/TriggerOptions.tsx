// The event's options from the catalog (poll interval, cron, "re-fetch the order", …). The catalog
// gives ids and labels only, so yes/no options are recognised by the values they hold or by id.
import { Select, SimpleGrid, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import type { CatalogField } from './flowTypes.ts';
import { issuesAt } from './issues.ts';

/** Options handled elsewhere: the delivery switch and the pasted sample. */
const HANDLED = new Set(['delivery', 'sample']);
const YES_NO = new Set(['refetch', 'skipOwnChanges', 'withAllOrderOrigins', 'emitChanged']);

/** Text typed into an option as the JSON value the connector expects. */
function typed(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^[-+]?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return text;
}

export function TriggerOptions(props: { options: CatalogField[]; delivery: string }) {
  const { t } = useTranslation('editor');
  const { draft, readOnly, issues } = useEditor();
  const values = draft.draft.trigger.options ?? {};
  const shown = props.options.filter((o) => !HANDLED.has(o.id)).filter((o) => props.delivery === 'poll' || !/^(intervalSeconds|skipOwnChanges)$/.test(o.id));
  if (shown.length === 0) return null;
  const set = (id: string, value: unknown) =>
    draft.setTrigger((tr) => {
      const options = { ...(tr.options ?? {}) };
      if (value === undefined) delete options[id];
      else options[id] = value;
      return { ...tr, options };
    });
  const optionError = issuesAt(issues, 'trigger.options').join('; ') || undefined;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      {shown.map((o, n) => {
        const value = values[o.id];
        const error = n === 0 ? optionError : undefined;
        if (YES_NO.has(o.id) || typeof value === 'boolean') {
          return (
            <Select
              key={o.id}
              label={o.label}
              description={o.id}
              readOnly={readOnly}
              value={value === true ? 'yes' : value === false ? 'no' : 'default'}
              data={[
                { value: 'default', label: t('trigger.optionDefault') },
                { value: 'yes', label: t('trigger.yes') },
                { value: 'no', label: t('trigger.no') },
              ]}
              allowDeselect={false}
              onChange={(v) => set(o.id, v === 'yes' ? true : v === 'no' ? false : undefined)}
              error={error}
            />
          );
        }
        return (
          <TextInput
            key={o.id}
            label={o.label}
            description={o.id}
            required={o.required}
            readOnly={readOnly}
            value={value === undefined || value === null ? '' : String(value)}
            onChange={(e) => set(o.id, typed(e.currentTarget.value))}
            error={error}
          />
        );
      })}
    </SimpleGrid>
  );
}
