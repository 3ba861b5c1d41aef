// The connectors' catalog (GET /catalog) as the flow list and the connections screen read it:
// labels in the UI's language, auth fields, events.
import { useQuery } from '@tanstack/react-query';
import { api } from './client.ts';

export interface CatalogAuthField {
  id: string;
  label: string;
  labelEn?: string;
  /** Where to find the value (Russian, from the connector). */
  description?: string;
  required?: boolean;
  secret: boolean;
}

export interface CatalogEvent {
  id: string;
  label: string;
  labelEn: string;
}

export interface CatalogConnector {
  connector: string;
  label: string;
  labelEn: string;
  auth: CatalogAuthField[];
  events: CatalogEvent[];
}

export function useCatalog() {
  return useQuery({
    queryKey: ['catalog', 'connectors'],
    queryFn: () => api<{ items: CatalogConnector[] }>('/catalog'),
    staleTime: 10 * 60_000,
    select: (data) => data.items,
  });
}

/** A label in the UI's language, falling back to Russian. */
export function localLabel(item: { label: string; labelEn?: string }, language: string): string {
  return language === 'en' && item.labelEn ? item.labelEn : item.label;
}

export function findConnector(catalog: CatalogConnector[] | undefined, key: string): CatalogConnector | undefined {
  return catalog?.find((c) => c.connector === key);
}
