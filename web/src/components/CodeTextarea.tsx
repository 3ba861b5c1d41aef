// A textarea for JSON or YAML that people paste: monospace, growing with its content.
import { Textarea, type TextareaProps } from '@mantine/core';

export function CodeTextarea(props: TextareaProps) {
  return <Textarea autosize minRows={8} maxRows={20} styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }} {...props} />;
}
