// Paging by limit/offset when the API answers `{items, total}`: page numbers and a count.
import { Group, Pagination, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function OffsetPager(props: { total: number; offset: number; limit: number; onOffset(offset: number): void }) {
  const { t } = useTranslation('flows');
  const pages = Math.ceil(props.total / props.limit);
  if (pages <= 1) return null;
  const page = Math.floor(props.offset / props.limit) + 1;
  const from = props.offset + 1;
  const to = Math.min(props.offset + props.limit, props.total);
  return (
    <Group justify="space-between" mt="md">
      <Text size="sm" c="dimmed">
        {t('pager.shown', { from, to, total: props.total })}
      </Text>
      <Pagination
        total={pages}
        value={page}
        onChange={(p) => props.onOffset((p - 1) * props.limit)}
        getControlProps={(control) => ({ 'aria-label': t(`pager.${control}`) })}
        getItemProps={(p) => ({ 'aria-label': t('pager.page', { page: p }) })}
      />
    </Group>
  );
}
