// Server-side paging by cursor: the API answers `{items, next}`; `next` goes back as `before`.
import { Button, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function Pager(props: { hasPrevious: boolean; next: string | null | undefined; onFirst(): void; onNext(cursor: string): void }) {
  const { t } = useTranslation();
  if (!props.hasPrevious && !props.next) return null;
  return (
    <Group justify="center" mt="md">
      <Button variant="default" disabled={!props.hasPrevious} onClick={props.onFirst}>
        {t('pager.first')}
      </Button>
      <Button variant="default" disabled={!props.next} onClick={() => props.next && props.onNext(props.next)}>
        {t('pager.next')}
      </Button>
    </Group>
  );
}
