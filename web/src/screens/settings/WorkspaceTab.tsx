// Name, time zone and language of the workspace (GET/PATCH /workspace, owner only).
import { Alert, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { notify } from './notify.ts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api/client.ts';
import { ME_KEY, useSession } from '../../auth/session.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { isMissingEndpoint } from './missingEndpoint.ts';
import { OwnerOnlyNote } from './OwnerOnlyNote.tsx';
import { WORKSPACE_KEY, useWorkspaceSettings } from './queries.ts';
import { timeZoneOptions } from './timeZones.ts';
import type { WorkspaceSettings } from './types.ts';

interface Draft {
  name: string;
  timezone: string;
  locale: 'ru' | 'en';
}

function fieldError(error: unknown, field: keyof Draft): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.issues.find((i) => i.path === field || i.path.endsWith(`.${field}`))?.message;
}

function WorkspaceForm(props: { initial: Draft; readOnly: boolean }) {
  const { t } = useTranslation('settings');
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(props.initial);
  const zones = useMemo(() => timeZoneOptions({ russia: t('workspace.zonesRussia'), other: t('workspace.zonesOther') }, props.initial.timezone), [t, props.initial.timezone]);
  const save = useMutation({
    mutationFn: (body: Draft) => api<WorkspaceSettings>('/workspace', { method: 'PATCH', body }),
    onSuccess: async (saved) => {
      client.setQueryData(WORKSPACE_KEY, saved);
      // Dates everywhere re-render in the new zone once the session knows it.
      await client.invalidateQueries({ queryKey: ME_KEY });
      notify({ color: 'green', message: t('workspace.saved') });
    },
  });
  const dirty = draft.name !== props.initial.name || draft.timezone !== props.initial.timezone || draft.locale !== props.initial.locale;
  const otherError = save.error && !fieldError(save.error, 'name') && !fieldError(save.error, 'timezone') && !fieldError(save.error, 'locale') ? save.error : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft.name.trim()) return;
    save.mutate({ ...draft, name: draft.name.trim() });
  }

  return (
    <form onSubmit={submit}>
      <Stack maw={520}>
        <TextInput
          label={t('workspace.name')}
          required
          maxLength={200}
          value={draft.name}
          disabled={props.readOnly}
          error={!draft.name.trim() ? t('workspace.nameRequired') : fieldError(save.error, 'name')}
          onChange={(e) => {
            const name = e.currentTarget.value;
            setDraft((d) => ({ ...d, name }));
          }}
        />
        <Select
          label={t('workspace.timezone')}
          description={t('workspace.timezoneHint', { now: formatDateTime(Date.now(), draft.timezone) })}
          data={zones}
          searchable
          allowDeselect={false}
          nothingFoundMessage={t('workspace.noZone')}
          maxDropdownHeight={320}
          value={draft.timezone}
          disabled={props.readOnly}
          error={fieldError(save.error, 'timezone')}
          onChange={(v) => v && setDraft((d) => ({ ...d, timezone: v }))}
        />
        <Select
          label={t('workspace.locale')}
          description={t('workspace.localeHint')}
          data={[
            { value: 'ru', label: 'Русский' },
            { value: 'en', label: 'English' },
          ]}
          allowDeselect={false}
          value={draft.locale}
          disabled={props.readOnly}
          error={fieldError(save.error, 'locale')}
          onChange={(v) => (v === 'ru' || v === 'en') && setDraft((d) => ({ ...d, locale: v }))}
        />
        <ErrorAlert error={otherError} title={t('workspace.saveFailed')} />
        {!props.readOnly && (
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!dirty || !draft.name.trim()}>
              {t('workspace.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

export function WorkspaceTab() {
  const { t } = useTranslation('settings');
  const { workspace, isOwner } = useSession();
  const settings = useWorkspaceSettings();
  const missing = isMissingEndpoint(settings.error);
  if (settings.isPending) return <Text c="dimmed">{t('loading')}</Text>;
  // An older server without GET /workspace: show what the session knows, read-only.
  const source: Draft = settings.data
    ? { name: settings.data.name, timezone: settings.data.timezone, locale: settings.data.locale }
    : { name: workspace.name, timezone: workspace.timezone, locale: workspace.locale === 'en' ? 'en' : 'ru' };
  return (
    <Stack>
      {!isOwner && <OwnerOnlyNote what={t('workspace.what')} />}
      {missing && <Alert color="yellow">{t('notSupported')}</Alert>}
      {settings.error && !missing && <ErrorAlert error={settings.error} />}
      <Text size="sm" c="dimmed">
        {t('workspace.slug', { slug: settings.data?.slug ?? workspace.slug })}
      </Text>
      <WorkspaceForm key={`${source.name}|${source.timezone}|${source.locale}`} initial={source} readOnly={!isOwner || !settings.data} />
    </Stack>
  );
}
