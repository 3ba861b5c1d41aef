// The editor itself: header (name, save, enable, import/export), the validation summary, the
// trigger card, the steps and the test-run panel.
import { Alert, Anchor, Badge, Box, Button, Grid, Group, List, Stack, Switch, Text, TextInput, Textarea, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconArrowLeft, IconDeviceFloppy, IconEye } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError } from '../../api/client.ts';
import { useSession } from '../../auth/session.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { createFlow, flowKey, listFlowNames, setFlowEnabled, updateFlow, useFlowFields } from './editorApi.ts';
import { EditorContext, findEvent, type EditorContextValue } from './editorContext.tsx';
import { flattenSample } from './flatten.ts';
import type { Catalog, Connection, FlowDefinition, FlowView, StepRun, TestRunResult } from './flowTypes.ts';
import { ExportButton, ImportButton } from './ImportExport.tsx';
import { issuesAt, mapIssues, type FieldIssue } from './issues.ts';
import type { SampleInfo } from './SampleWaiter.tsx';
import { StepList } from './StepList.tsx';
import { TestRunPanel } from './TestRunPanel.tsx';
import { TriggerSection } from './TriggerSection.tsx';
import { useFlowDraft } from './useFlowDraft.ts';
import { useLeaveGuard } from './useLeaveGuard.ts';

interface Props {
  sessionKey: string;
  flowId: string | undefined;
  view: FlowView | null;
  initial: FlowDefinition;
  fromTemplate: boolean;
  catalogs: Catalog[];
  connections: Connection[];
}

export function FlowEditor(props: Props) {
  const { t } = useTranslation('editor');
  const { canEdit } = useSession();
  const readOnly = !canEdit;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const draft = useFlowDraft(props.initial);
  const [flowId, setFlowId] = useState(props.flowId);
  const [view, setView] = useState<FlowView | null>(props.view);
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [toggling, setToggling] = useState(false);
  const [sample, setSample] = useState<SampleInfo | null>(() => {
    const pasted = props.initial.trigger?.options?.sample;
    return pasted && typeof pasted === 'object' ? { fields: flattenSample(pasted), body: pasted, source: 'pasted' } : null;
  });
  const [testResult, setTestResult] = useState<TestRunResult | null>(null);
  const summaryRef = useRef<HTMLDivElement>(null);

  // The latest stored webhook of a saved flow seeds the sample (unless one arrived or was pasted).
  const fields = useFlowFields(flowId);
  useEffect(() => {
    const f = fields.data;
    if (!f || f.sample.length === 0) return;
    setSample((current) => (current && current.source !== 'saved' && current.source !== 'pasted' ? current : current?.source === 'pasted' && !f.sampleWebhookId ? current : { fields: f.sample.map((s) => ({ id: s.id, value: s.sample })), source: 'saved' }));
  }, [fields.data]);

  useLeaveGuard(draft.dirty && !readOnly, t('leaveWarning'));

  const showIssues = useCallback(
    (error: unknown) => {
      if (error instanceof ApiError && error.issues.length > 0) {
        setIssues(mapIssues(error.issues, draft.draft.steps.map((s) => s.key)));
      } else setIssues([]);
      setSaveError(error);
      requestAnimationFrame(() => summaryRef.current?.scrollIntoView({ behavior: 'smooth', block: 'center' }));
    },
    [draft.draft.steps],
  );

  /** Saves the draft (creating the flow, disabled, when new). Returns the saved view or null. */
  const save = useCallback(async (): Promise<FlowView | null> => {
    setSaving(true);
    setSaveError(null);
    const definition = draft.definition;
    try {
      let saved: FlowView;
      if (!flowId) {
        const name = definition.name.trim();
        if (!name) throw new ApiError(422, { error: 'invalid_flow', message: t('nameRequired'), issues: [{ path: 'name', message: t('nameRequired') }] });
        // POST /flows updates a flow of the same name; a new flow must not overwrite another one.
        const same = (await listFlowNames(name).catch(() => ({ items: [] }))).items.some((f) => f.name === name);
        if (same) throw new ApiError(422, { error: 'invalid_flow', message: t('nameTaken'), issues: [{ path: 'name', message: t('nameTaken') }] });
        saved = await createFlow({ ...definition, enabled: false });
        draft.patch({ enabled: false });
        setFlowId(saved.id);
        navigate(`/flows/${saved.id}`, { replace: true, state: { editorSession: props.sessionKey } });
      } else {
        saved = await updateFlow(flowId, definition);
      }
      draft.markSaved({ ...definition, enabled: saved.enabled });
      setView(saved);
      setIssues([]);
      queryClient.setQueryData(flowKey(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: ['flows'] });
      void queryClient.invalidateQueries({ queryKey: ['flow-fields', saved.id] });
      notifications.show({ color: 'green', message: t('saved') });
      return saved;
    } catch (error) {
      showIssues(error);
      return null;
    } finally {
      setSaving(false);
    }
  }, [draft, flowId, navigate, props.sessionKey, queryClient, showIssues, t]);

  const ensureSaved = useCallback(async () => {
    if (flowId) return flowId;
    return (await save())?.id ?? null;
  }, [flowId, save]);

  const toggleEnabled = async (enabled: boolean) => {
    if (!flowId) return;
    setToggling(true);
    try {
      const next = await setFlowEnabled(flowId, enabled);
      setView(next);
      const wasDirty = draft.dirty;
      draft.patch({ enabled: next.enabled });
      if (!wasDirty) draft.markSaved({ ...draft.definition, enabled: next.enabled });
      queryClient.setQueryData(flowKey(flowId), next);
      void queryClient.invalidateQueries({ queryKey: ['flows'] });
    } catch (error) {
      showIssues(error);
    } finally {
      setToggling(false);
    }
  };

  const runs = useMemo(() => new Map<string, StepRun>((testResult?.steps ?? []).map((s) => [s.stepId, s])), [testResult]);
  const placeholderConnections = props.fromTemplate;
  const ctx: EditorContextValue = useMemo(
    () => ({ draft, catalogs: props.catalogs, connections: props.connections, issues, readOnly, sampleFields: sample?.fields ?? [], runs, placeholderConnections }),
    [draft, props.catalogs, props.connections, issues, readOnly, sample, runs, placeholderConnections],
  );

  const trigger = draft.draft.trigger;
  const savedTrigger = view?.definition.trigger;
  const delivery = (tr: typeof trigger | undefined) => String(tr?.options?.delivery ?? findEvent(props.catalogs, tr?.connector ?? '', tr?.event ?? '')?.delivery ?? '');
  const savedTriggerDiffers = Boolean(savedTrigger) && (savedTrigger!.connector !== trigger.connector || savedTrigger!.event !== trigger.event || delivery(savedTrigger) !== delivery(trigger));
  const title = draft.draft.name.trim() || (flowId ? t('untitled') : t('newFlow'));
  const enabled = view?.enabled ?? false;
  const nameError = issuesAt(issues, 'name').join('; ') || undefined;

  return (
    <EditorContext.Provider value={ctx}>
      <Stack gap="md" maw={1280}>
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <Stack gap={4} style={{ minWidth: 0, flex: 1 }}>
            <Anchor component={Link} to="/flows" size="sm">
              <Group gap={4} component="span">
                <IconArrowLeft size={14} />
                {t('backToList')}
              </Group>
            </Anchor>
            <Group gap="sm">
              <Title order={1} size="h2">
                {title}
              </Title>
              {flowId && (
                <Badge color={enabled ? 'green' : 'gray'} variant="light">
                  {enabled ? t('enabled') : t('disabled')}
                </Badge>
              )}
              {draft.dirty && !readOnly && (
                <Badge color="orange" variant="dot">
                  {t('unsaved')}
                </Badge>
              )}
            </Group>
          </Stack>
          <Group gap="sm">
            {!readOnly && (
              <Tooltip label={flowId ? (enabled ? t('disableHint') : t('enableHint')) : t('enableNeedsSave')}>
                <div>
                  <Switch
                    size="md"
                    label={t('enabledSwitch')}
                    checked={enabled}
                    disabled={!flowId || toggling}
                    onChange={(e) => void toggleEnabled(e.currentTarget.checked)}
                  />
                </div>
              </Tooltip>
            )}
            {!readOnly && <ImportButton onImport={(def) => { draft.reset({ ...def, enabled: draft.draft.enabled }, false); setIssues([]); setTestResult(null); }} />}
            <ExportButton flowId={draft.dirty ? undefined : flowId} draft={draft.definition} />
            {!readOnly && (
              <Button leftSection={<IconDeviceFloppy size={16} />} loading={saving} onClick={() => void save()}>
                {t('save')}
              </Button>
            )}
          </Group>
        </Group>

        {readOnly && (
          <Alert color="gray" variant="light" icon={<IconEye size={18} />}>
            {t('readOnly')}
          </Alert>
        )}
        {props.fromTemplate && !flowId && (
          <Alert color="orange" variant="light" title={t('template.title')}>
            {t('template.hint')}
          </Alert>
        )}
        <Box ref={summaryRef}>
          {issues.length > 0 ? (
            <Alert color="red" variant="light" title={t('issues.title', { count: issues.length })} role="alert">
              <List size="sm" spacing={2}>
                {issues.map((i, n) => (
                  <List.Item key={n}>
                    <Text span ff="monospace" size="xs" c="dimmed">
                      {i.path}
                    </Text>{' '}
                    {i.message}
                  </List.Item>
                ))}
              </List>
            </Alert>
          ) : (
            <ErrorAlert error={saveError} title={t('saveFailed')} />
          )}
        </Box>

        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <fieldset disabled={readOnly} className="svz-readonly">
              <legend className="visually-hidden" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
                {t('formLegend')}
              </legend>
              <Stack gap="md">
                <Group grow align="flex-start">
                  <TextInput
                    label={t('name')}
                    required
                    readOnly={readOnly}
                    value={draft.draft.name}
                    onChange={(e) => draft.patch({ name: e.currentTarget.value })}
                    error={nameError}
                    placeholder={t('namePlaceholder')}
                  />
                  <Textarea
                    label={t('description')}
                    autosize
                    minRows={1}
                    maxRows={4}
                    readOnly={readOnly}
                    value={draft.draft.description ?? ''}
                    onChange={(e) => draft.patch({ description: e.currentTarget.value || undefined })}
                  />
                </Group>
                <Box>
                  <TriggerSection
                    webhookUrl={view?.webhookUrl ?? null}
                    setupInstructions={view?.setupInstructions ?? null}
                    pollError={view?.pollState?.lastError ?? null}
                    savedTriggerDiffers={savedTriggerDiffers}
                    sample={sample}
                    lastWebhookId={fields.data?.sampleWebhookId ?? null}
                    ensureSaved={ensureSaved}
                    save={save}
                    onSample={setSample}
                  />
                  <StepList />
                </Box>
              </Stack>
            </fieldset>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Box style={{ position: 'sticky', top: 72 }}>
              <TestRunPanel
                definition={draft.definition}
                sample={sample?.body}
                hasSample={Boolean(sample)}
                readOnly={readOnly}
                result={testResult}
                onResult={setTestResult}
                onInvalid={showIssues}
              />
            </Box>
          </Grid.Col>
        </Grid>
      </Stack>
    </EditorContext.Provider>
  );
}
