// "Мои связки": the landing page. Every flow with its trigger, on/off switch, last run and
// today's counts; create from scratch, from a template or by import.
import { Anchor, Button, Center, Group, Loader, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconFileImport, IconLayoutGrid, IconLink, IconPlus, IconSearch } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { useSession } from '../../auth/session.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useCatalog } from '../../api/catalog.ts';
import { useDeleteFlow, useFlowPage, useSetFlowEnabled, type FlowListItem } from './api.ts';
import { FlowsTable } from './FlowsTable.tsx';
import { ImportFlowModal } from './ImportFlowModal.tsx';
import { OffsetPager } from './OffsetPager.tsx';
import { TemplateGallery } from './TemplateGallery.tsx';

const PAGE_SIZE = 50;

export function FlowsPage() {
  const { t } = useTranslation('flows');
  const { canEdit } = useSession();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search, 300);
  const [galleryOpen, setGalleryOpen] = useState(params.get('gallery') === '1');
  const [importOpen, setImportOpen] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);

  useEffect(() => {
    if (debounced.trim() === q) return;
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (debounced.trim()) next.set('q', debounced.trim());
      else next.delete('q');
      next.delete('offset');
      return next;
    }, { replace: true });
  }, [debounced, q, setParams]);

  const page = useFlowPage({ q, offset, limit: PAGE_SIZE });
  const catalog = useCatalog();
  const toggle = useSetFlowEnabled();
  const remove = useDeleteFlow();

  const setOffset = (value: number) =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (value > 0) next.set('offset', String(value));
      else next.delete('offset');
      return next;
    });

  // A page past the end (its last flow was deleted, or a stale link) moves to the last page;
  // setOffset is left out of the deps: it changes with every URL change.
  const total = page.data?.total;
  const pageEmpty = page.data?.items.length === 0;
  useEffect(() => {
    if (total === undefined || !pageEmpty || offset === 0) return;
    setOffset(total === 0 ? 0 : Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);
  }, [total, pageEmpty, offset]);

  function onToggle(flow: FlowListItem, enabled: boolean) {
    setActionError(null);
    toggle.mutate({ id: flow.id, enabled }, { onError: setActionError });
  }

  async function onDelete(flow: FlowListItem) {
    setActionError(null);
    try {
      await remove.mutateAsync(flow.id);
    } catch (error) {
      setActionError(error);
    }
  }

  const noFlowsAtAll = page.data && page.data.total === 0 && !q;
  const actions = canEdit && (
    <Group gap="xs">
      <Button component={Link} to="/flows/new" leftSection={<IconPlus size={16} />}>
        {t('create')}
      </Button>
      <Button variant="default" leftSection={<IconLayoutGrid size={16} />} onClick={() => setGalleryOpen(true)}>
        {t('fromTemplate')}
      </Button>
      <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => setImportOpen(true)}>
        {t('import.button')}
      </Button>
    </Group>
  );

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            {t('title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('subtitle')}
          </Text>
        </div>
        {!noFlowsAtAll && actions}
      </Group>

      {actionError ? <ErrorAlert error={actionError} /> : null}

      {!noFlowsAtAll && (
        <TextInput
          label={t('search.label')}
          placeholder={t('search.placeholder')}
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maw={360}
        />
      )}

      {page.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('loading')} />
        </Center>
      ) : page.error ? (
        <ErrorAlert error={page.error} />
      ) : noFlowsAtAll ? (
        <Paper withBorder p="xl" radius="md">
          <EmptyState
            icon={<IconLink size={28} />}
            title={t('empty.title')}
            hint={
              <>
                {t('empty.what')}{' '}
                <Trans t={t} i18nKey="empty.connectionsFirst" components={{ connections: <Anchor component={Link} to="/connections" size="sm" /> }} />
              </>
            }
            action={canEdit ? <Group mt="sm">{actions}</Group> : undefined}
          />
        </Paper>
      ) : page.data.items.length === 0 ? (
        <EmptyState title={t('search.nothing', { q })} hint={t('search.nothingHint')} />
      ) : (
        <Paper withBorder radius="md" p={0}>
          <FlowsTable
            flows={page.data.items}
            catalog={catalog.data}
            canEdit={canEdit}
            pendingToggle={toggle.isPending ? toggle.variables : undefined}
            onToggle={onToggle}
            onDelete={onDelete}
          />
        </Paper>
      )}

      {page.data && <OffsetPager total={page.data.total} offset={offset} limit={PAGE_SIZE} onOffset={setOffset} />}

      <TemplateGallery opened={galleryOpen} onClose={() => setGalleryOpen(false)} />
      <ImportFlowModal opened={importOpen} onClose={() => setImportOpen(false)} />
    </Stack>
  );
}
