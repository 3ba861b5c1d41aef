// One input value of a step: text templates get the template input; objects and arrays (an HTTP
// body, headers) are edited as JSON, applied when the text parses.
import { Textarea } from '@mantine/core';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useEditor } from './editorContext.tsx';
import { TemplateInput } from './TemplateInput.tsx';

interface Props {
  label: ReactNode;
  fieldName: string;
  value: unknown;
  onChange(value: unknown): void;
  required?: boolean;
  error?: string;
  description?: ReactNode;
  hideLabel?: boolean;
}

export function ValueInput(props: Props) {
  if (props.value !== null && typeof props.value === 'object') return <JsonValueInput {...props} />;
  const text = props.value === undefined || props.value === null ? '' : String(props.value);
  return (
    <TemplateInput
      label={props.label}
      fieldName={props.fieldName}
      value={text}
      required={props.required}
      error={props.error}
      description={props.description}
      hideLabel={props.hideLabel}
      onChange={(v) => props.onChange(typeof props.value === 'number' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v)}
    />
  );
}

function JsonValueInput(props: Props) {
  const { t } = useTranslation('editor');
  const { readOnly } = useEditor();
  const pretty = JSON.stringify(props.value, null, 2);
  const [text, setText] = useState(pretty);
  const [bad, setBad] = useState<string | null>(null);
  useEffect(() => {
    setText((current) => {
      try {
        return JSON.stringify(JSON.parse(current)) === JSON.stringify(props.value) ? current : pretty;
      } catch {
        return current;
      }
    });
  }, [pretty, props.value]);
  return (
    <Textarea
      label={props.hideLabel ? undefined : props.label}
      aria-label={props.hideLabel ? props.fieldName : undefined}
      description={props.description ?? t('mapping.jsonHint', { o: '{{', c: '}}' })}
      required={props.required}
      autosize
      minRows={2}
      maxRows={14}
      readOnly={readOnly}
      value={text}
      error={bad ?? props.error}
      styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        try {
          props.onChange(JSON.parse(next));
          setBad(null);
        } catch (error) {
          setBad(`${t('mapping.badJson')}: ${(error as Error).message}`);
        }
      }}
    />
  );
}
