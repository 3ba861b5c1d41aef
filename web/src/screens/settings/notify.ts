// A toast whose close button has a name (Mantine's has none by default, which axe reports).
import { notifications } from '@mantine/notifications';
import i18n from '../../i18n/index.ts';

export function notify(opts: { color: 'green' | 'red'; title?: string; message: string }): void {
  notifications.show({ ...opts, closeButtonProps: { 'aria-label': i18n.t('common:action.close') } });
}
