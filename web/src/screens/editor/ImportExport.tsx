// Export the flow JSON as a file; import replaces the draft from pasted or uploaded JSON (checked
// by the server when the flow is saved).
import { Button, FileButton, Group, Modal, Text } from '@mantine/core';
import { IconDownload, IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { exportFlow } from './editorApi.ts';
import type { FlowDefinition } from './flowTypes.ts';
import { CodeTextarea } from '../../components/CodeTextarea.tsx';

function download(def: FlowDefinition) {
  const blob = new Blob([JSON.stringify(def, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${(def.name || 'flow').replace(/[\\/:*?"<>|]+/g, '_')}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function ExportButton(props: { flowId: string | undefined; draft: FlowDefinition }) {
  const { t } = useTranslation('editor');
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <Button
        variant="default"
        leftSection={<IconDownload size={16} />}
        onClick={async () => {
          setError(null);
          try {
            download(props.flowId ? await exportFlow(props.flowId) : props.draft);
          } catch (e) {
            setError(e);
          }
        }}
      >
        {t('io.export')}
      </Button>
      {Boolean(error) && (
        <Modal opened onClose={() => setError(null)} title={t('io.export')}>
          <ErrorAlert error={error} />
        </Modal>
      )}
    </>
  );
}

export function ImportButton(props: { onImport(def: FlowDefinition): void }) {
  const { t } = useTranslation('editor');
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const apply = () => {
    try {
      const parsed: unknown = JSON.parse(text);
      const def = parsed as FlowDefinition;
      if (!def || typeof def !== 'object' || !def.trigger || typeof def.trigger !== 'object') throw new Error(t('io.noTrigger'));
      props.onImport({ ...def, steps: Array.isArray(def.steps) ? def.steps : [] });
      setOpen(false);
      setText('');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <>
      <Button variant="default" leftSection={<IconUpload size={16} />} onClick={() => { setOpen(true); setError(null); }}>
        {t('io.import')}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('io.importTitle')} size="lg">
        <Text size="sm" mb="xs">
          {t('io.importHint')}
        </Text>
        <FileButton onChange={async (file) => file && setText(await file.text())} accept="application/json,.json">
          {(p) => (
            <Button {...p} variant="light" size="xs" mb="xs">
              {t('io.chooseFile')}
            </Button>
          )}
        </FileButton>
        <CodeTextarea label={t('io.jsonLabel')} value={text} onChange={(e) => setText(e.currentTarget.value)} error={error} />
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setOpen(false)}>
            {t('cancel')}
          </Button>
          <Button onClick={apply} disabled={!text.trim()}>
            {t('io.replace')}
          </Button>
        </Group>
      </Modal>
    </>
  );
}
