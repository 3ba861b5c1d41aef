// The event's options from the catalog (poll interval, cron, "re-fetch the order", …), each drawn
// by its type, and only those of the chosen delivery mode.
import { Select, SimpleGrid, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import type { CatalogOption } from './flowTypes.ts';
import { issuesAt } from './issues.ts';

/** Options handled elsewhere: the delivery switch and the pasted sample. */
const HANDLED = new Set(['delivery', 'sample']);

/** Text typed into an option as the JSON value the connector expects. */
function typed(text: string, type: string | undefined): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (type === 'number' && /^[-+]?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return text;
}

const defaultText = (o: CatalogOption) => (o.default === undefined || o.default === null ? undefined : String(o.default));

export function TriggerOptions(props: { options: CatalogOption[]; delivery: string }) {
  const { t } = useTranslation('editor');
  const { draft, readOnly, issues } = useEditor();
  const values = draft.draft.trigger.options ?? {};
  const shown = props.options.filter((o) => !HANDLED.has(o.id) && (o.deliveries ?? [props.delivery]).includes(props.delivery));
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
        if (o.type === 'boolean' || typeof value === 'boolean') {
          return (
            <Select
              key={o.id}
              label={o.label}
              description={o.id}
              readOnly={readOnly}
              value={value === true ? 'yes' : value === false ? 'no' : 'default'}
              data={[
                { value: 'default', label: o.default === undefined ? t('trigger.optionDefault') : `${t('trigger.optionDefault')}: ${o.default === true ? t('trigger.yes') : t('trigger.no')}` },
                { value: 'yes', label: t('trigger.yes') },
                { value: 'no', label: t('trigger.no') },
              ]}
              allowDeselect={false}
              onChange={(v) => set(o.id, v === 'yes' ? true : v === 'no' ? false : undefined)}
              error={error}
            />
          );
        }
        if (o.choices) {
          return (
            <Select
              key={o.id}
              label={o.label}
              description={o.id}
              readOnly={readOnly}
              value={value === undefined || value === null ? null : String(value)}
              placeholder={defaultText(o)}
              data={o.choices.map((c) => ({ value: c.value, label: c.label }))}
              clearable={!o.required}
              onChange={(v) => set(o.id, v ?? undefined)}
              error={error}
            />
          );
        }
        return (
          <TextInput
            key={o.id}
            label={o.label}
            description={o.description ?? o.id}
            required={o.required}
            readOnly={readOnly}
            inputMode={o.type === 'number' ? 'numeric' : undefined}
            placeholder={defaultText(o)}
            value={value === undefined || value === null ? '' : String(value)}
            onChange={(e) => set(o.id, typed(e.currentTarget.value, o.type))}
            error={error}
          />
        );
      })}
    </SimpleGrid>
  );
}
