// `schedule`: runs a flow on a cron schedule. No auth.
import type { ConnectorDefinition } from '../../connector-kit/types.ts';
import { cronTrigger } from './triggers/cron.ts';

export const scheduleConnector: ConnectorDefinition = {
  key: 'schedule',
  label: { ru: 'Расписание', en: 'Schedule' },
  description: 'Запускает поток по расписанию (cron) в заданном часовом поясе.',
  auth: { fields: [] },
  triggers: [cronTrigger],
  actions: [],
};
