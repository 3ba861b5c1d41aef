// The connectors a build ships, by key. The engine looks connectors up here and nowhere else.
import type { ActionDefinition, ConnectorDefinition, TriggerDefinition } from './types.ts';

export class ConnectorRegistry {
  private readonly byKey = new Map<string, ConnectorDefinition>();

  constructor(connectors: readonly ConnectorDefinition[]) {
    for (const c of connectors) {
      if (this.byKey.has(c.key)) throw new Error(`Connector ${c.key} registered twice`);
      const modes = new Set<string>();
      for (const t of c.triggers) {
        if (modes.has(`${t.id}/${t.delivery}`)) throw new Error(`Connector ${c.key} has two "${t.id}" triggers delivered by ${t.delivery}`);
        modes.add(`${t.id}/${t.delivery}`);
      }
      this.byKey.set(c.key, c);
    }
  }

  list(): ConnectorDefinition[] {
    return [...this.byKey.values()];
  }

  get(key: string): ConnectorDefinition | undefined {
    return this.byKey.get(key);
  }

  /**
   * An event may come in several delivery modes (a connector lists one definition per mode under
   * the same id, e.g. RetailCRM's trigger webhook and history polling); without `delivery`, the
   * first one listed.
   */
  trigger(connector: string, id: string, delivery?: string): TriggerDefinition | undefined {
    const modes = this.byKey.get(connector)?.triggers.filter((t) => t.id === id) ?? [];
    return delivery === undefined ? modes[0] : modes.find((t) => t.delivery === delivery);
  }

  /** The delivery modes an event comes in, in the connector's order. */
  deliveries(connector: string, id: string): string[] {
    return (this.byKey.get(connector)?.triggers ?? []).filter((t) => t.id === id).map((t) => t.delivery);
  }

  /** The trigger a flow uses: its event in the mode `options.delivery` picks. */
  flowTrigger(t: { connector: string; event: string; options?: Record<string, unknown> }): TriggerDefinition | undefined {
    const delivery = t.options?.delivery;
    return this.trigger(t.connector, t.event, typeof delivery === 'string' ? delivery : undefined);
  }

  action(connector: string, id: string): ActionDefinition | undefined {
    return this.byKey.get(connector)?.actions.find((a) => a.id === id);
  }
}
