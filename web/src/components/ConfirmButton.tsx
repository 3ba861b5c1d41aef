// A button for destructive or costly actions: it asks first, in a dialog that names the consequence.
import { Button, Group, Modal, Text, type ButtonProps } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface Props extends ButtonProps {
  /** What the dialog asks, e.g. "Удалить связку «…»?" */
  question: ReactNode;
  /** What happens, e.g. "История останется до очистки по тарифу." */
  details?: ReactNode;
  confirmLabel?: string;
  onConfirm(): void | Promise<void>;
  children: ReactNode;
}

export function ConfirmButton({ question, details, confirmLabel, onConfirm, children, ...button }: Props) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button {...button} onClick={() => setOpen(true)}>
        {children}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={question} centered closeButtonProps={{ 'aria-label': t('action.close') }}>
        {details && <Text size="sm" mb="md">{details}</Text>}
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setOpen(false)}>
            {t('action.cancel')}
          </Button>
          <Button
            color={button.color ?? 'red'}
            loading={busy}
            onClick={async () => {
              setBusy(true);
              try {
                await onConfirm();
                setOpen(false);
              } finally {
                setBusy(false);
              }
            }}
          >
            {confirmLabel ?? t('action.confirm')}
          </Button>
        </Group>
      </Modal>
    </>
  );
}
