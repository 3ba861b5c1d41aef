// Connectors' catalogs.
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { catalogOf } from '../../connectors/catalog.ts';
import { notFound, type ApiRouter } from '../router.ts';

export function registerCatalogRoutes(api: ApiRouter, s: Services): void {
  api.add({
    method: 'GET', url: '/catalog', summary: 'Every connector with its events, actions and fields', tag: 'catalog', role: 'authenticated',
    async handler() {
      return { items: s.connectors.list().map(catalogOf) };
    },
  });
  api.add({
    method: 'GET', url: '/catalog/:connector', summary: "One connector's catalog", tag: 'catalog', role: 'authenticated',
    params: z.object({ connector: z.string() }),
    async handler({ params }) {
      const c = s.connectors.get(params.connector);
      if (!c) throw notFound('Connector');
      return catalogOf(c);
    },
  });
}
