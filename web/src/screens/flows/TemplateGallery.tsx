// Ready-made flows to start from: a card per template with its services; a click opens the
// editor on a copy.
import { Card, Center, Group, Loader, Modal, SimpleGrid, Text, UnstyledButton } from '@mantine/core';
import { IconArrowRight } from '@tabler/icons-react';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { ApiError } from '../../api/client.ts';
import { ConnectorIcon } from '../../components/ConnectorIcon.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useTemplates, type Template } from './api.ts';

export function TemplateGallery(props: { opened: boolean; onClose(): void }) {
  const { t } = useTranslation('flows');
  const templates = useTemplates(props.opened);
  return (
    <Modal closeButtonProps={{ 'aria-label': t('common:action.close') }} opened={props.opened} onClose={props.onClose} title={t('templates.title')} size="xl" centered>
      <Text size="sm" c="dimmed" mb="md">
        {t('templates.hint')}
      </Text>
      {templates.isPending ? (
        <Center py="xl">
          <Loader aria-label={t('loading')} />
        </Center>
      ) : templates.error instanceof ApiError && templates.error.status === 404 ? (
        <EmptyState title={t('templates.unavailable')} hint={t('templates.unavailableHint')} />
      ) : templates.error ? (
        <ErrorAlert error={templates.error} />
      ) : templates.data.length === 0 ? (
        <EmptyState title={t('templates.none')} />
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {templates.data.map((template) => (
            <TemplateCard key={template.id} template={template} />
          ))}
        </SimpleGrid>
      )}
    </Modal>
  );
}

function TemplateCard({ template }: { template: Template }) {
  const { i18n } = useTranslation('flows');
  const navigate = useNavigate();
  const lang = i18n.language === 'en' ? 'en' : 'ru';
  const name = template.name[lang] || template.name.ru;
  const description = template.description[lang] || template.description.ru;
  return (
    <UnstyledButton onClick={() => navigate(`/flows/new?template=${encodeURIComponent(template.id)}`)} h="100%">
      <Card withBorder padding="md" radius="md" h="100%" style={{ cursor: 'pointer' }}>
        <Group gap={6} mb="sm" aria-hidden>
          {template.connectors.map((connector, n) => (
            <Fragment key={`${connector}-${n}`}>
              {n > 0 && <IconArrowRight size={16} color="var(--mantine-color-dimmed)" />}
              <ConnectorIcon connector={connector} size={30} />
            </Fragment>
          ))}
        </Group>
        <Text fw={600} size="sm" mb={4}>
          {name}
        </Text>
        <Text size="sm" c="dimmed">
          {description}
        </Text>
      </Card>
    </UnstyledButton>
  );
}
