// A searchable flow picker for list filters: the server searches by name (`GET /flows?q=`), and
// the chosen flow keeps its name even when it is not among the current search results.
import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFlow, useFlowSearch } from './flows.ts';

export function FlowSelect(props: { value: string | undefined; onChange(id: string | null): void; label: string }) {
  const { t } = useTranslation('executions');
  const [search, setSearch] = useState('');
  const chosen = useFlow(props.value);
  // While the box shows the chosen flow's name, list every flow, as the Select itself does.
  const q = search === chosen.data?.name ? '' : search;
  const [debounced] = useDebouncedValue(q, 250);
  const found = useFlowSearch(debounced);
  const data = (found.data?.items ?? []).map((f) => ({ value: f.id, label: f.name }));
  if (props.value && !data.some((d) => d.value === props.value)) {
    data.unshift({ value: props.value, label: chosen.data?.name ?? props.value });
  }
  return (
    <Select
      label={props.label}
      placeholder={t('filter.allFlows')}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      value={props.value ?? null}
      onChange={(v) => props.onChange(v)}
      data={data}
      nothingFoundMessage={found.isFetching ? t('filter.searching') : t('filter.noFlows')}
      w={260}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
