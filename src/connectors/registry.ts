// The connectors this build ships. The engine looks connectors up here and nowhere else.
import type { ActionDefinition, ConnectorDefinition, TriggerDefinition } from './types.ts';
import { calltouchConnector } from './calltouch/index.ts';
import { httpConnector } from './http/index.ts';
import { retailcrmConnector } from './retailcrm/index.ts';
import { scheduleConnector } from './schedule/index.ts';
import { webhookConnector } from './webhook/index.ts';

export class ConnectorRegistry {
  private readonly byKey = new Map<string, ConnectorDefinition>();

  constructor(connectors: readonly ConnectorDefinition[]) {
    for (const c of connectors) {
      if (this.byKey.has(c.key)) throw new Error(`Connector ${c.key} registered twice`);
      this.byKey.set(c.key, c);
    }
  }

  list(): ConnectorDefinition[] {
    return [...this.byKey.values()];
  }

  get(key: string): ConnectorDefinition | undefined {
    return this.byKey.get(key);
  }

  trigger(connector: string, id: string): TriggerDefinition | undefined {
    return this.byKey.get(connector)?.triggers.find((t) => t.id === id);
  }

  action(connector: string, id: string): ActionDefinition | undefined {
    return this.byKey.get(connector)?.actions.find((a) => a.id === id);
  }
}

export function builtinConnectors(): ConnectorRegistry {
  return new ConnectorRegistry([webhookConnector, httpConnector, scheduleConnector, retailcrmConnector, calltouchConnector]);
}
