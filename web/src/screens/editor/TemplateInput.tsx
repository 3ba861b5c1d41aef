// A template value: text mixed with `{{…}}` fields, a picker that inserts at the cursor and a
// "формат" menu that appends pipe filters. Errors from validation are shown under it.
import { ActionIcon, Group, Menu, Textarea, Tooltip } from '@mantine/core';
import { IconWand } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import { useEditor } from './editorContext.tsx';
import { FieldPicker } from './FieldPicker.tsx';
import { pickerGroups } from './fieldSources.ts';
import { useStepIndex } from './stepScope.ts';
import { appendFilter, FORMAT_FILTERS, insertAt } from './templateEdit.ts';

interface Props {
  label: ReactNode;
  /** Plain text name for the picker's button ("Поля для «Текст»"). */
  fieldName: string;
  value: string;
  onChange(value: string): void;
  description?: ReactNode;
  required?: boolean;
  error?: ReactNode;
  placeholder?: string;
  hideLabel?: boolean;
}

export function TemplateInput(props: Props) {
  const { t, i18n } = useTranslation('editor');
  const ed = useEditor();
  const index = useStepIndex();
  const ref = useRef<HTMLTextAreaElement>(null);
  const selection = useRef<{ start: number; end: number }>({ start: props.value.length, end: props.value.length });
  // The workspace's variables ({{vars.NAME}}), shared with Settings → Variables; a secret shows no value.
  const vars = useQuery({ queryKey: ['variables'], queryFn: () => api<{ items: Array<{ name: string; secret: boolean; value: string | null }> }>('/variables'), retry: false, staleTime: 30_000 });
  const groups = useMemo(
    () => {
      const out = pickerGroups(ed.catalogs, ed.draft.draft.trigger, ed.sampleFields, ed.draft.draft.steps.map((s) => s.step), index, ed.runs, t('picker.trigger'));
      const items = vars.data?.items ?? [];
      if (items.length > 0) out.push({ root: 'vars', title: t('variables:title'), fields: items.map((v) => ({ id: v.name, value: v.value ?? undefined, hasValue: !v.secret })) });
      return out;
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [ed.catalogs, ed.draft.draft.trigger, ed.sampleFields, ed.draft.draft.steps, index, ed.runs, i18n.language, vars.data],
  );

  const remember = () => {
    const el = ref.current;
    if (el) selection.current = { start: el.selectionStart, end: el.selectionEnd };
  };
  const placeCaret = (caret: number) => {
    requestAnimationFrame(() => {
      const el = ref.current;
      if (!el) return;
      el.focus();
      el.setSelectionRange(caret, caret);
      selection.current = { start: caret, end: caret };
    });
  };

  const insert = (text: string) => {
    const { start, end } = selection.current;
    const next = insertAt(props.value, start, end, text);
    props.onChange(next.text);
    placeCaret(next.caret);
  };
  const format = (filter: string) => {
    const next = appendFilter(props.value, selection.current.start, filter);
    if (!next) return;
    props.onChange(next.text);
    placeCaret(next.caret);
  };
  const hasExpression = props.value.includes('{{');

  return (
    <Group gap={6} align="flex-start" wrap="nowrap">
      <Textarea
        ref={ref}
        style={{ flex: 1 }}
        label={props.hideLabel ? undefined : props.label}
        aria-label={props.hideLabel ? props.fieldName : undefined}
        description={props.description}
        required={props.required}
        error={props.error}
        placeholder={props.placeholder}
        value={props.value}
        autosize
        minRows={1}
        maxRows={8}
        readOnly={ed.readOnly}
        onChange={(e) => {
          props.onChange(e.currentTarget.value);
          selection.current = { start: e.currentTarget.selectionStart, end: e.currentTarget.selectionEnd };
        }}
        onSelect={remember}
        onKeyUp={remember}
        onClick={remember}
        onBlur={remember}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
      />
      {!ed.readOnly && (
        <Group gap={4} wrap="nowrap" mt={props.hideLabel ? 0 : props.description ? 44 : 25}>
          <FieldPicker groups={groups} onPick={insert} fieldLabel={props.fieldName} />
          <Menu position="bottom-end" withinPortal shadow="md">
            <Menu.Target>
              <Tooltip label={hasExpression ? t('format.title') : t('format.needField')}>
                <ActionIcon variant="default" size="lg" aria-label={t('format.for', { field: props.fieldName })} disabled={!hasExpression}>
                  <IconWand size={18} />
                </ActionIcon>
              </Tooltip>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{t('format.title')}</Menu.Label>
              {FORMAT_FILTERS.map((f) => (
                <Menu.Item key={f.key} onClick={() => format(f.filter)} rightSection={<code style={{ fontSize: 11, opacity: 0.6 }}>{f.filter}</code>}>
                  {t(`format.${f.key}`)}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        </Group>
      )}
    </Group>
  );
}
