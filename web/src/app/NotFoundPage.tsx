import { Button } from '@mantine/core';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { EmptyState } from '../components/EmptyState.tsx';

export function NotFoundPage() {
  const { t } = useTranslation();
  return <EmptyState title={t('notFound.title')} hint={t('notFound.hint')} action={<Button component={Link} to="/flows">{t('nav.flows')}</Button>} />;
}
