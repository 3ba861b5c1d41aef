// The trigger's sample: wait for a test webhook (long poll), fetch one poll event, or paste JSON
// (kept in trigger.options.sample). Whatever arrives feeds the field picker and the test run.
import { Alert, Badge, Button, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { IconClipboardText, IconDownload, IconPlayerStop, IconWebhook } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { DateTime } from '../../components/DateTime.tsx';
import { pollSample, waitForSample } from './editorApi.ts';
import { useEditor } from './editorContext.tsx';
import { flattenSample } from './flatten.ts';
import type { SampleField } from './flowTypes.ts';
import { SampleFields } from './SampleFields.tsx';
import { CodeTextarea } from '../../components/CodeTextarea.tsx';

export interface SampleInfo {
  fields: SampleField[];
  /** The raw event, sent with a test run. */
  body?: unknown;
  source: 'saved' | 'webhook' | 'poll' | 'pasted';
  receivedAt?: string;
  /** The trigger could not load the full event (e.g. re-fetch the order): the fields are the webhook's own. */
  prepareError?: string;
}

interface Props {
  delivery: string;
  sample: SampleInfo | null;
  lastWebhookId: string | null;
  labels: Map<string, string>;
  /** The saved flow's id; saves a new flow first when there is none. */
  ensureSaved(): Promise<string | null>;
  onSample(sample: SampleInfo): void;
}

function explain(error: unknown, t: (k: string) => string): unknown {
  if (error instanceof ApiError && error.status === 404 && /^Route /.test(error.message)) {
    return new Error(t('sample.unsupported'));
  }
  return error;
}

export function SampleWaiter(props: Props) {
  const { t } = useTranslation('editor');
  const { readOnly, draft } = useEditor();
  const [waiting, setWaiting] = useState(false);
  const [polling, setPolling] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [pasteOpen, setPasteOpen] = useState(false);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const startWaiting = async () => {
    setError(null);
    const id = await props.ensureSaved();
    if (!id) return;
    const controller = new AbortController();
    abort.current = controller;
    setWaiting(true);
    let after = props.lastWebhookId;
    try {
      while (!controller.signal.aborted) {
        const answer = await waitForSample(id, after, controller.signal);
        if (answer.webhook) {
          after = answer.webhook.id;
          props.onSample({
            fields: answer.fields ?? flattenSample(answer.webhook.body),
            body: answer.webhook.body,
            source: 'webhook',
            receivedAt: answer.webhook.receivedAt,
            prepareError: answer.prepareError,
          });
          break;
        }
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(explain(e, t));
    } finally {
      setWaiting(false);
    }
  };

  const fetchPoll = async () => {
    setError(null);
    const id = await props.ensureSaved();
    if (!id) return;
    setPolling(true);
    try {
      const answer = await pollSample(id);
      if (answer.events.length === 0) setError(new Error(t('sample.pollEmpty')));
      else props.onSample({ fields: answer.fields, body: answer.events[0], source: 'poll' });
    } catch (e) {
      setError(explain(e, t));
    } finally {
      setPolling(false);
    }
  };

  return (
    <Stack gap="sm">
      <Group gap="xs">
        {props.delivery === 'webhook' &&
          (waiting ? (
            <Button variant="light" color="orange" leftSection={<IconPlayerStop size={16} />} onClick={() => abort.current?.abort()}>
              {t('sample.stop')}
            </Button>
          ) : (
            !readOnly && (
              <Button variant="light" leftSection={<IconWebhook size={16} />} onClick={() => void startWaiting()}>
                {t('sample.wait')}
              </Button>
            )
          ))}
        {props.delivery === 'poll' && !readOnly && (
          <Button variant="light" leftSection={<IconDownload size={16} />} loading={polling} onClick={() => void fetchPoll()}>
            {t('sample.poll')}
          </Button>
        )}
        {!readOnly && (
          <Button variant="subtle" leftSection={<IconClipboardText size={16} />} onClick={() => setPasteOpen(true)}>
            {t('sample.paste')}
          </Button>
        )}
      </Group>
      {waiting && (
        <Group gap="xs" role="status">
          <Loader size="xs" />
          <Text size="sm">{t('sample.waitingHint')}</Text>
        </Group>
      )}
      <ErrorAlert error={error} />
      {props.sample && (
        <Stack gap={6}>
          <Group gap="xs">
            <Badge variant="light" color={props.sample.source === 'webhook' ? 'teal' : 'gray'}>
              {t(`sample.source.${props.sample.source}`)}
            </Badge>
            {props.sample.receivedAt && (
              <Text size="xs" c="dimmed">
                <DateTime value={props.sample.receivedAt} seconds />
              </Text>
            )}
            <Text size="xs" c="dimmed">
              {t('sample.count', { count: props.sample.fields.length })}
            </Text>
          </Group>
          {props.sample.prepareError && (
            <Alert color="yellow" role="status">
              {t('sample.prepareFailed', { reason: props.sample.prepareError })}
            </Alert>
          )}
          <SampleFields fields={props.sample.fields} labels={props.labels} />
        </Stack>
      )}
      <PasteSample
        opened={pasteOpen}
        onClose={() => setPasteOpen(false)}
        initial={draft.draft.trigger.options?.sample}
        onSave={(body) => {
          draft.setTrigger((tr) => ({ ...tr, options: { ...(tr.options ?? {}), sample: body } }));
          props.onSample({ fields: flattenSample(body), body, source: 'pasted' });
          setPasteOpen(false);
        }}
      />
    </Stack>
  );
}

function PasteSample(props: { opened: boolean; initial: unknown; onClose(): void; onSave(body: unknown): void }) {
  const { t } = useTranslation('editor');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (props.opened) {
      setText(props.initial === undefined ? '' : JSON.stringify(props.initial, null, 2));
      setError(null);
    }
  }, [props.opened, props.initial]);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t('sample.pasteTitle')} size="lg">
      <Text size="sm" mb="xs">
        {t('sample.pasteHint')}
      </Text>
      <CodeTextarea label={t('sample.pasteLabel')} value={text} onChange={(e) => setText(e.currentTarget.value)} error={error} />
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={props.onClose}>
          {t('cancel')}
        </Button>
        <Button
          onClick={() => {
            try {
              const body: unknown = JSON.parse(text);
              if (body === null || typeof body !== 'object') throw new Error(t('sample.notObject'));
              props.onSave(body);
            } catch (e) {
              setError(`${t('sample.badJson')}: ${(e as Error).message}`);
            }
          }}
        >
          {t('sample.usePasted')}
        </Button>
      </Group>
    </Modal>
  );
}
