// An action step: connector → action → connection → field mapping, and what to do on an error
// or (for find actions) when nothing is found.
import { Group, Select, SimpleGrid, Stack } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CatalogItemSelect, ConnectionSelect, ConnectorSelect } from './ConnectorSelect.tsx';
import { findAction, findCatalog, useEditor } from './editorContext.tsx';
import type { ActionStep, Step } from './flowTypes.ts';
import { InputMapping } from './InputMapping.tsx';
import { issuesAt } from './issues.ts';

export function ActionStepBody(props: { step: ActionStep; stepKey: string }) {
  const { t } = useTranslation('editor');
  const { catalogs, draft, issues, readOnly } = useEditor();
  const { step } = props;
  const base = `step:${props.stepKey}`;
  const withActions = useMemo(() => catalogs.filter((c) => c.actions.length > 0), [catalogs]);
  const catalog = findCatalog(catalogs, step.connector);
  const action = findAction(catalogs, step.connector, step.action);
  const update = (patch: Partial<ActionStep>) => draft.updateStep(props.stepKey, (s: Step) => ({ ...(s as ActionStep), ...patch }));
  const err = (suffix: string) => issuesAt(issues, `${base}.${suffix}`).join('; ') || undefined;

  return (
    <Stack gap="sm">
      <Group grow align="flex-start">
        <ConnectorSelect
          label={t('action.connector')}
          placeholder={t('action.connectorPlaceholder')}
          value={step.connector}
          catalogs={withActions}
          error={err('connector')}
          onChange={(connector) => update({ connector, action: '', connection: undefined, input: {} })}
        />
        <CatalogItemSelect
          label={t('action.action')}
          placeholder={t('action.actionPlaceholder')}
          value={step.action}
          items={catalog?.actions ?? []}
          disabled={!catalog}
          error={err('action')}
          onChange={(id) => update({ action: id })}
        />
      </Group>
      {catalog && catalog.auth.length > 0 && (
        <ConnectionSelect connector={catalog.connector} value={step.connection} error={err('connection')} onChange={(connection) => update({ connection })} />
      )}
      {action && <InputMapping fields={action.input} input={step.input ?? {}} issueBase={`${base}.input`} onChange={(input) => update({ input })} />}
      {action && (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('action.onError')}
            readOnly={readOnly}
            value={step.onError ?? 'fail'}
            allowDeselect={false}
            data={[
              { value: 'fail', label: t('action.onErrorFail') },
              { value: 'continue', label: t('action.onErrorContinue') },
            ]}
            onChange={(v) => v && update({ onError: v as ActionStep['onError'] })}
          />
          {action.kind === 'find' && (
            <Select
              label={t('action.onNotFound')}
              readOnly={readOnly}
              value={step.onNotFound ?? 'stop'}
              allowDeselect={false}
              data={[
                { value: 'stop', label: t('action.onNotFoundStop') },
                { value: 'continue', label: t('action.onNotFoundContinue') },
                { value: 'fail', label: t('action.onNotFoundFail') },
              ]}
              onChange={(v) => v && update({ onNotFound: v as ActionStep['onNotFound'] })}
            />
          )}
        </SimpleGrid>
      )}
    </Stack>
  );
}
