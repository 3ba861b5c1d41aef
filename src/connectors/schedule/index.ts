// `schedule`: runs a flow on a cron schedule.
import type { ConnectorDefinition } from '../types.ts';
import { cronTrigger } from './triggers/cron.ts';

export const scheduleConnector: ConnectorDefinition = {
  key: 'schedule',
  label: { ru: 'Расписание', en: 'Schedule' },
  auth: { fields: [] },
  triggers: [cronTrigger],
  actions: [],
};
