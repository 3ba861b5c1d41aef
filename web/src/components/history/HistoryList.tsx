// The parts the run history and the webhook history share: the filter row (flow, status, time
// range, reset) and the results (error, loading, the two empty states, the table, the pager).
// Texts come from the screen's namespace: filter.*, empty.*.
import { Button, Group, Select, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { EmptyState } from '../EmptyState.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';
import { Pager } from '../Pager.tsx';
import { FlowSelect } from './FlowSelect.tsx';
import { TimeRange } from './TimeRange.tsx';
import type { useUrlFilter } from './useUrlFilter.ts';

type HistoryFilter = ReturnType<typeof useUrlFilter<'flowId' | 'status' | 'from' | 'to'>>;

export function HistoryFilters(props: { ns: string; filter: HistoryFilter; statuses: readonly string[]; statusWidth: number }) {
  const { t } = useTranslation(props.ns);
  const tc = useTranslation().t;
  const { values, setFilter, reset, filtered } = props.filter;
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <FlowSelect label={t('filter.flow')} value={values.flowId} onChange={(v) => setFilter('flowId', v)} />
      <Select
        label={t('filter.status')}
        placeholder={t('filter.allStatuses')}
        clearable
        w={props.statusWidth}
        value={values.status ?? null}
        onChange={(v) => setFilter('status', v)}
        data={props.statuses.map((s) => ({ value: s, label: tc(`status.${s}`, { defaultValue: s }) }))}
      />
      <TimeRange from={values.from} to={values.to} onChange={(k, v) => setFilter(k, v)} />
      {filtered && (
        <Button variant="subtle" onClick={reset}>
          {t('filter.reset')}
        </Button>
      )}
    </Group>
  );
}

export function HistoryResults<T>(props: {
  ns: string;
  filter: HistoryFilter;
  page: UseQueryResult<{ items: T[]; next: string | null }>;
  children(items: T[], stale: boolean): ReactNode;
}) {
  const { t } = useTranslation(props.ns);
  const tc = useTranslation().t;
  const { page } = props;
  const { values, setCursor, reset, filtered } = props.filter;
  return (
    <>
      {page.error ? <ErrorAlert error={page.error} /> : null}
      {page.isPending ? (
        <Text c="dimmed">{tc('loading')}</Text>
      ) : page.data && page.data.items.length === 0 ? (
        filtered || values.before ? (
          <EmptyState
            title={t('empty.filteredTitle')}
            hint={t('empty.filteredHint')}
            action={
              <Button variant="default" onClick={reset}>
                {t('filter.reset')}
              </Button>
            }
          />
        ) : (
          <EmptyState
            title={t('empty.title')}
            hint={t('empty.hint')}
            action={
              <Button component={Link} to="/flows">
                {t('empty.toFlows')}
              </Button>
            }
          />
        )
      ) : page.data ? (
        <>
          {props.children(page.data.items, page.isPlaceholderData)}
          <Pager hasPrevious={!!values.before} next={page.data.next} onFirst={() => setCursor(null)} onNext={(c) => setCursor(c)} />
        </>
      ) : null}
    </>
  );
}
