// The recipes (examples/, src/recipes/catalog.ts) as templates for the web UI's gallery: each with
// its name and description in both languages, the connections it names and the flow JSON, which
// opens in the editor switched off until the user picks their connections and saves. Each item:
// {id, name{ru,en}, description{ru,en}, connectors, connections[{name, placeholder, connector}], file, flow}.
import type { Services } from '../../services.ts';
import { loadRecipes } from '../../recipes/catalog.ts';
import type { ApiRouter } from '../router.ts';

export function registerTemplatesRoutes(api: ApiRouter, _s: Services): void {
  api.add({
    method: 'GET', url: '/templates', summary: 'Flow templates: the recipes of examples/ with the connections each names and its flow JSON (switched off)', tag: 'flows', role: 'viewer',
    async handler() {
      const items = loadRecipes()
        .filter((r) => r.flow !== null && r.file !== undefined)
        .map((r) => ({
          id: r.id,
          name: r.name,
          description: r.description,
          connectors: r.connectors,
          connections: r.connections.map((c) => ({ ...c, placeholder: c.name })),
          file: `examples/${r.file}`,
          flow: { ...r.flow, enabled: false },
        }));
      return { items };
    },
  });
}
