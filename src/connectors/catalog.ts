// A connector's catalog in the published shape (DESIGN.md "API and CLI"): events, actions and
// their fields with the documents' ids and Russian labels, in the documents' order.
import type { ConnectorDefinition, FieldDef } from '../connector-kit/types.ts';

export interface CatalogField {
  id: string;
  label: string;
  required?: boolean;
  /** A closed list of values (an action input such as an HTTP method). */
  choices?: ReadonlyArray<{ value: string; label: string }>;
}

/** A trigger option with what a form needs to render it, and the delivery modes it applies to. */
export interface CatalogOption extends CatalogField {
  labelEn?: string;
  type?: string;
  description?: string;
  default?: unknown;
  deliveries: string[];
}

export interface Catalog {
  connector: string;
  label: string;
  labelEn: string;
  auth: Array<CatalogField & { secret: boolean; labelEn?: string; description?: string }>;
  /** One entry per event; `deliveries` lists its modes (a flow picks one with `trigger.options.delivery`). */
  events: Array<{ id: string; label: string; labelEn: string; delivery: string; deliveries: string[]; extensibleFields: boolean; fields: CatalogField[]; options: CatalogOption[] }>;
  actions: Array<{ id: string; label: string; labelEn: string; kind: string; input: CatalogField[]; output: CatalogField[] }>;
}

const field = (f: FieldDef): CatalogField => ({ id: f.id, label: f.label });
const inputField = (f: FieldDef): CatalogField => ({ id: f.id, label: f.label, required: f.required === true, ...(f.options ? { choices: f.options } : {}) });

const optionField = (f: FieldDef, delivery: string): CatalogOption => ({
  ...inputField(f),
  ...(f.labelEn ? { labelEn: f.labelEn } : {}),
  ...(f.type ? { type: f.type } : {}),
  ...(f.description ? { description: f.description } : {}),
  ...(f.default !== undefined ? { default: f.default } : {}),
  deliveries: [delivery],
});

export function catalogOf(c: ConnectorDefinition): Catalog {
  return {
    connector: c.key,
    label: c.label.ru,
    labelEn: c.label.en,
    auth: c.auth.fields.map((f) => ({
      ...inputField(f),
      ...(f.labelEn ? { labelEn: f.labelEn } : {}),
      ...(f.description ? { description: f.description } : {}),
      secret: f.secret === true,
    })),
    events: [...new Set(c.triggers.map((t) => t.id))].map((id) => {
      const modes = c.triggers.filter((t) => t.id === id);
      const t = modes[0];
      const options = new Map<string, CatalogOption>();
      for (const m of modes) {
        for (const o of m.options ?? []) {
          const known = options.get(o.id);
          if (known) known.deliveries.push(m.delivery);
          else options.set(o.id, optionField(o, m.delivery));
        }
      }
      return {
        id,
        label: t.label.ru,
        labelEn: t.label.en,
        delivery: t.delivery,
        deliveries: modes.map((m) => m.delivery),
        extensibleFields: t.extensibleFields === true,
        fields: t.fields.map(field),
        options: [...options.values()],
      };
    }),
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
