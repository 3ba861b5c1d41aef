// The trigger card: connector → event → connection → delivery mode → options, then the webhook
// address with set-up steps and the sample.
import { Alert, Card, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { IconBolt } from '@tabler/icons-react';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CatalogItemSelect, ConnectionSelect, ConnectorSelect } from './ConnectorSelect.tsx';
import { findCatalog, findEvent, useEditor } from './editorContext.tsx';
import { issuesAt } from './issues.ts';
import { SampleWaiter, type SampleInfo } from './SampleWaiter.tsx';
import { TriggerOptions } from './TriggerOptions.tsx';
import { WebhookSetup } from './WebhookSetup.tsx';
import type { CatalogOption } from './flowTypes.ts';

interface Props {
  webhookUrl: string | null;
  setupInstructions: string | null;
  /** Why the saved flow's last poll failed, if it did. */
  pollError?: string | null;
  savedTriggerDiffers: boolean;
  sample: SampleInfo | null;
  lastWebhookId: string | null;
  ensureSaved(): Promise<string | null>;
  save(): Promise<unknown>;
  onSample(sample: SampleInfo): void;
}

/** A month of polls at the draft's interval, as the server's pollEstimate counts it (30 days, ≥ 1 request a poll). */
function PollCost(props: { options: CatalogOption[]; values: Record<string, unknown> }) {
  const { t } = useTranslation('editor');
  const option = props.options.find((o) => o.id === 'intervalSeconds');
  const interval = Number(props.values.intervalSeconds ?? option?.default);
  if (!option || !Number.isFinite(interval) || interval <= 0) return null;
  const polls = Math.floor((30 * 86_400) / interval);
  const n = (x: number) => x.toLocaleString('ru-RU');
  const start = props.options.some((o) => o.id === 'start') && (props.values.start ?? 'now') === 'now';
  return (
    <Text size="sm" c="dimmed" data-testid="poll-cost">
      {t('delivery.pollCost', { interval: n(interval), polls: n(polls) })}
      {start ? ` ${t('delivery.pollStart')}` : ''}
    </Text>
  );
}

export function TriggerSection(props: Props) {
  const { t } = useTranslation('editor');
  const { catalogs, draft, issues, readOnly } = useEditor();
  const trigger = draft.draft.trigger;
  const withEvents = useMemo(() => catalogs.filter((c) => c.events.length > 0), [catalogs]);
  const catalog = findCatalog(catalogs, trigger.connector);
  const event = findEvent(catalogs, trigger.connector, trigger.event);
  const delivery = String(trigger.options?.delivery ?? event?.delivery ?? '');
  const labels = useMemo(() => new Map((event?.fields ?? []).map((f) => [f.id, f.label])), [event]);

  const setDelivery = (mode: string) =>
    draft.setTrigger((tr) => ({ ...tr, options: { ...(tr.options ?? {}), delivery: mode } }));

  return (
    <Card withBorder radius="md" padding="lg" data-testid="trigger-card">
      <Stack gap="md">
        <Group gap="xs">
          <IconBolt size={20} color="var(--mantine-color-yellow-7)" aria-hidden />
          <Title order={2} size="h4">
            {t('trigger.title')}
          </Title>
        </Group>
        <Text size="sm" c="dimmed">
          {t('trigger.hint')}
        </Text>
        <Group grow align="flex-start">
          <ConnectorSelect
            label={t('trigger.connector')}
            placeholder={t('trigger.connectorPlaceholder')}
            value={trigger.connector}
            catalogs={withEvents}
            error={issuesAt(issues, 'trigger.connector').join('; ') || undefined}
            onChange={(connector) => {
              const c = findCatalog(catalogs, connector);
              const only = c?.events.length === 1 ? c.events[0].id : '';
              draft.setTrigger(() => ({ connector, event: only, options: {} }));
            }}
          />
          <CatalogItemSelect
            label={t('trigger.event')}
            placeholder={t('trigger.eventPlaceholder')}
            value={trigger.event}
            items={catalog?.events ?? []}
            disabled={!catalog}
            error={issuesAt(issues, 'trigger.event').join('; ') || undefined}
            onChange={(eventId) => draft.setTrigger((tr) => ({ ...tr, event: eventId, options: {} }))}
          />
        </Group>
        {catalog && catalog.auth.length > 0 && (
          <ConnectionSelect
            connector={catalog.connector}
            value={trigger.connection}
            error={issuesAt(issues, 'trigger.connection').join('; ') || undefined}
            onChange={(connection) => draft.setTrigger((tr) => ({ ...tr, connection }))}
          />
        )}
        {event && event.deliveries.length > 1 && (
          <Stack gap={4}>
            <Text size="sm" fw={500} id="delivery-label">
              {t('trigger.delivery')}
            </Text>
            <SegmentedControl
              aria-labelledby="delivery-label"
              readOnly={readOnly}
              value={delivery}
              onChange={setDelivery}
              data={event.deliveries.map((d) => ({ value: d, label: t(`delivery.${d}`, { defaultValue: d }) }))}
            />
            <Text size="xs" c="dimmed">
              {t(`delivery.${delivery}Hint`, { defaultValue: '' })}
            </Text>
            {issuesAt(issues, 'trigger.options.delivery').map((m) => (
              <Text key={m} size="xs" c="red">{m}</Text>
            ))}
          </Stack>
        )}
        {event && event.deliveries.length === 1 && (
          <Text size="sm">
            {t(`delivery.${delivery}Plain`, { defaultValue: '' })}
          </Text>
        )}
        {event && <TriggerOptions options={event.options} delivery={delivery} />}
        {event && delivery === 'poll' && <PollCost options={event.options} values={trigger.options ?? {}} />}
        {delivery === 'poll' && props.pollError && (
          <Alert color="red" variant="light" title={t('delivery.pollFailed')} data-testid="poll-error">
            {props.pollError}
          </Alert>
        )}
        {event && delivery === 'webhook' && (
          <WebhookSetup
            webhookUrl={props.webhookUrl}
            setupInstructions={props.setupInstructions}
            savedTriggerDiffers={props.savedTriggerDiffers}
            onGetUrl={props.save}
          />
        )}
        {event && delivery !== 'schedule' && (
          <Stack gap="xs">
            <Text size="sm" fw={600}>
              {t('sample.title')}
            </Text>
            <SampleWaiter
              delivery={delivery}
              sample={props.sample}
              lastWebhookId={props.lastWebhookId}
              labels={labels}
              ensureSaved={props.ensureSaved}
              onSample={props.onSample}
            />
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
