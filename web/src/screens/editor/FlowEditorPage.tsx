// The flow editor (/flows/new, /flows/new?template=<id>, /flows/:id): loads what the editor needs
// and keeps one editor mounted while a new flow gets its id, so a running sample wait survives it.
import { Center, Loader, Stack } from '@mantine/core';
import { useLocation, useParams, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useCatalog, useConnections, useFlow, useTemplates } from './editorApi.ts';
import { FlowEditor } from './FlowEditor.tsx';
import { EMPTY_FLOW } from './useFlowDraft.ts';
import './editor.css';

export function FlowEditorPage() {
  const { t, i18n } = useTranslation('editor');
  const { id } = useParams();
  const [search] = useSearchParams();
  const location = useLocation();
  const templateId = id ? null : search.get('template');
  /** Set when this editor created the flow and moved to its URL: keep the same editor. */
  const session = (location.state as { editorSession?: string } | null)?.editorSession;
  const catalog = useCatalog();
  const connections = useConnections();
  const flow = useFlow(session ? undefined : id);
  const templates = useTemplates(Boolean(templateId));

  const error = catalog.error ?? connections.error ?? flow.error ?? templates.error;
  if (error) {
    return (
      <Stack p="md">
        <ErrorAlert error={error} title={t('loadFailed')} />
      </Stack>
    );
  }
  const template = templateId ? templates.data?.find((x) => x.id === templateId) : undefined;
  const waiting = catalog.isPending || connections.isPending || (!session && id && flow.isPending) || (templateId && templates.isPending);
  if (waiting) {
    return (
      <Center mih="40vh">
        <Loader aria-label={t('loading')} />
      </Center>
    );
  }
  if (templateId && !template) {
    return (
      <Stack p="md">
        <ErrorAlert error={new Error(t('templateMissing', { id: templateId }))} />
      </Stack>
    );
  }
  const key = session ?? id ?? `new:${templateId ?? ''}`;
  const initial = flow.data?.definition ?? (template ? { ...template.flow, name: template.flow.name || template.name[i18n.language === 'en' ? 'en' : 'ru'], enabled: false } : EMPTY_FLOW);
  return (
    <FlowEditor
      key={key}
      sessionKey={key}
      flowId={id}
      view={flow.data ?? null}
      initial={initial}
      fromTemplate={Boolean(template)}
      catalogs={catalog.data ?? []}
      connections={connections.data ?? []}
    />
  );
}
