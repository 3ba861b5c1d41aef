// What every card of the editor needs to read: the catalog, connections, validation issues,
// read-only mode, the sample and the last test run. Cards change the draft through `draft`.
import { createContext, useContext } from 'react';
import type { Catalog, CatalogAction, CatalogEvent, Connection, SampleField, StepRun } from './flowTypes.ts';
import type { FieldIssue } from './issues.ts';
import type { FlowDraftApi } from './useFlowDraft.ts';

export interface EditorContextValue {
  draft: FlowDraftApi;
  catalogs: Catalog[];
  connections: Connection[];
  issues: FieldIssue[];
  readOnly: boolean;
  /** The trigger's sample fields (latest webhook, a fetched poll event, or the pasted JSON). */
  sampleFields: SampleField[];
  /** Last test run, by step id. */
  runs: Map<string, StepRun>;
  /** Connection names from a template that the user must replace with their own. */
  placeholderConnections: boolean;
}

export const EditorContext = createContext<EditorContextValue | null>(null);

export function useEditor(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) throw new Error('useEditor outside <EditorContext>');
  return value;
}

export function findCatalog(catalogs: readonly Catalog[], connector: string): Catalog | undefined {
  return catalogs.find((c) => c.connector === connector);
}

export function findEvent(catalogs: readonly Catalog[], connector: string, event: string): CatalogEvent | undefined {
  return findCatalog(catalogs, connector)?.events.find((e) => e.id === event);
}

export function findAction(catalogs: readonly Catalog[], connector: string, action: string): CatalogAction | undefined {
  return findCatalog(catalogs, connector)?.actions.find((a) => a.id === action);
}

/** A catalog item's label in the UI's language. */
export function labelOf(item: { label: string; labelEn?: string }, language: string): string {
  return language === 'en' && item.labelEn ? item.labelEn : item.label;
}
