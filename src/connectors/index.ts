// The connectors this build ships.
import { ConnectorRegistry } from '../connector-kit/registry.ts';
import { calltouchConnector } from './calltouch/index.ts';
import { httpConnector } from './http/index.ts';
import { kaspiConnector } from './kaspi/index.ts';
import { ozonConnector } from './ozon/index.ts';
import { retailcrmConnector } from './retailcrm/index.ts';
import { scheduleConnector } from './schedule/index.ts';
import { webhookConnector } from './webhook/index.ts';
import { wildberriesConnector } from './wildberries/index.ts';

export function builtinConnectors(): ConnectorRegistry {
  return new ConnectorRegistry([webhookConnector, httpConnector, scheduleConnector, retailcrmConnector, calltouchConnector, kaspiConnector, ozonConnector, wildberriesConnector]);
}
