// A connector's catalog in the published shape (DESIGN.md "API and CLI"): events, actions and
// their fields with the documents' ids and Russian labels, in the documents' order.
import type { ConnectorDefinition, FieldDef } from './types.ts';

export interface CatalogField {
  id: string;
  label: string;
  required?: boolean;
}

export interface Catalog {
  connector: string;
  label: string;
  labelEn: string;
  auth: Array<CatalogField & { secret: boolean }>;
  events: Array<{ id: string; label: string; labelEn: string; delivery: string; extensibleFields: boolean; fields: CatalogField[]; options: CatalogField[] }>;
  actions: Array<{ id: string; label: string; labelEn: string; kind: string; input: CatalogField[]; output: CatalogField[] }>;
}

const field = (f: FieldDef): CatalogField => ({ id: f.id, label: f.label });
const inputField = (f: FieldDef): CatalogField => ({ id: f.id, label: f.label, required: f.required === true });

export function catalogOf(c: ConnectorDefinition): Catalog {
  return {
    connector: c.key,
    label: c.label.ru,
    labelEn: c.label.en,
    auth: c.auth.fields.map((f) => ({ ...inputField(f), secret: f.secret === true })),
    events: c.triggers.map((t) => ({
      id: t.id,
      label: t.label.ru,
      labelEn: t.label.en,
      delivery: t.delivery,
      extensibleFields: t.extensibleFields === true,
      fields: t.fields.map(field),
      options: (t.options ?? []).map(inputField),
    })),
    actions: c.actions.map((a) => ({
      id: a.id,
      label: a.label.ru,
      labelEn: a.label.en,
      kind: a.kind,
      input: a.input.map(inputField),
      output: a.output.map(field),
    })),
  };
}
