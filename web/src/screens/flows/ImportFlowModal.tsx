// Import a flow from JSON or YAML, pasted or from a file; the imported flow opens in the editor.
import { Button, FileButton, Group, Modal, Stack, Text } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useImportFlow } from './api.ts';
import { CodeTextarea } from '../../components/CodeTextarea.tsx';

const MAX_BYTES = 2_000_000;

export function ImportFlowModal(props: { opened: boolean; onClose(): void }) {
  const { t } = useTranslation('flows');
  const navigate = useNavigate();
  const importFlow = useImportFlow();
  const [text, setText] = useState('');
  const [fileError, setFileError] = useState<string | null>(null);

  function close() {
    setText('');
    setFileError(null);
    importFlow.reset();
    props.onClose();
  }

  async function readFile(file: File | null) {
    if (!file) return;
    setFileError(null);
    if (file.size > MAX_BYTES) {
      setFileError(t('import.tooLarge'));
      return;
    }
    setText(await file.text());
  }

  function submit() {
    importFlow.mutate(text, {
      onSuccess: (flow) => {
        close();
        navigate(`/flows/${flow.id}`);
      },
    });
  }

  return (
    <Modal closeButtonProps={{ 'aria-label': t('common:action.close') }} opened={props.opened} onClose={close} title={t('import.title')} size="lg" centered>
      <Stack>
        <Text size="sm" c="dimmed">
          {t('import.hint')}
        </Text>
        <CodeTextarea
          label={t('import.text')}
          placeholder={'{\n  "name": "…",\n  "trigger": { … },\n  "steps": [ … ]\n}'}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          error={fileError}
        />
        {importFlow.error ? <ErrorAlert error={importFlow.error} title={t('import.failed')} /> : null}
        <Group justify="space-between">
          <FileButton onChange={(f) => void readFile(f)} accept=".json,.yaml,.yml,application/json,text/yaml">
            {(fileProps) => (
              <Button {...fileProps} variant="default" leftSection={<IconUpload size={16} />}>
                {t('import.file')}
              </Button>
            )}
          </FileButton>
          <Group>
            <Button variant="default" onClick={close}>
              {t('import.cancel')}
            </Button>
            <Button onClick={submit} disabled={!text.trim()} loading={importFlow.isPending}>
              {t('import.submit')}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
