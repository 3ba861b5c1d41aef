// The frame of a history record's page (a run, a webhook): loading, "not found" with a way back,
// any other error in place, else the record.
import { Anchor, Stack, Text, Title } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ApiError } from '../../api/client.ts';
import { EmptyState } from '../EmptyState.tsx';
import { ErrorAlert } from '../ErrorAlert.tsx';

interface Props<T> {
  query: UseQueryResult<T>;
  title: string;
  notFound: { title: string; hint: string; backTo: string; backLabel: string };
  children(record: T): ReactNode;
}

export function RecordGate<T>(props: Props<T>) {
  const { t } = useTranslation();
  const { query } = props;
  if (query.isPending) return <Text c="dimmed">{t('loading')}</Text>;
  if (query.error) {
    const missing = query.error instanceof ApiError && query.error.status === 404;
    return (
      <Stack>
        <Title order={1} size="h2">
          {props.title}
        </Title>
        {missing ? (
          <EmptyState
            title={props.notFound.title}
            hint={props.notFound.hint}
            action={
              <Anchor component={Link} to={props.notFound.backTo}>
                {props.notFound.backLabel}
              </Anchor>
            }
          />
        ) : (
          <ErrorAlert error={query.error} />
        )}
      </Stack>
    );
  }
  return <>{props.children(query.data as T)}</>;
}

/** One labelled fact of a record's header. */
export function Fact(props: { label: string; children: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {props.label}
      </Text>
      <Text size="sm" component="div">
        {props.children}
      </Text>
    </Stack>
  );
}
