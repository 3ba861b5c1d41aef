import { Alert } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** Why the controls below are disabled: only the owner changes them. */
export function OwnerOnlyNote(props: { what?: string; text?: string }) {
  const { t } = useTranslation('settings');
  return (
    <Alert color="gray" variant="light" icon={<IconLock size={18} />}>
      {props.text ?? t('ownerOnly', { what: props.what })}
    </Alert>
  );
}
