// Pure text edits of templates: insert at the cursor, append a pipe filter to an expression.

export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  return { text: text.slice(0, s) + insert + text.slice(e), caret: s + insert.length };
}

/**
 * Adds ` | filter` to the `{{…}}` expression at the cursor, or the last one before it, or the last
 * one in the text. Returns null when the text has no expression.
 */
export function appendFilter(text: string, cursor: number, filter: string): { text: string; caret: number } | null {
  const spans: Array<{ start: number; end: number }> = [];
  const re = /\{\{[\s\S]*?\}\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) spans.push({ start: m.index, end: m.index + m[0].length });
  if (spans.length === 0) return null;
  const span = spans.find((s) => cursor >= s.start && cursor <= s.end) ?? [...spans].reverse().find((s) => s.start < cursor) ?? spans[spans.length - 1];
  const close = span.end - 2;
  const inner = text.slice(span.start + 2, close).replace(/\s+$/, '');
  const replaced = `{{${inner} | ${filter}}}`;
  return { text: text.slice(0, span.start) + replaced + text.slice(span.end), caret: span.start + replaced.length };
}

/** The filters the "формат" menu offers, with exact names and arguments from src/engine/template.ts. */
export const FORMAT_FILTERS: ReadonlyArray<{ key: string; filter: string }> = [
  { key: 'phone', filter: 'phone' },
  { key: 'number', filter: 'number' },
  { key: 'dateRu', filter: 'date: "dd.mm.yyyy"' },
  { key: 'dateSlash', filter: 'date: "dd/mm/yyyy"' },
  { key: 'dateTimeSlash', filter: 'date: "dd/mm/yyyy hh:mm:ss"' },
  { key: 'dateIsoDay', filter: 'date: "Y-m-d"' },
  { key: 'dateTimeIso', filter: 'date: "Y-m-d H:i:s"' },
  { key: 'dateIso', filter: 'date: "iso"' },
  { key: 'dateUnix', filter: 'date: "unix"' },
  { key: 'default', filter: 'default: "—"' },
  { key: 'lower', filter: 'lower' },
  { key: 'upper', filter: 'upper' },
  { key: 'trim', filter: 'trim' },
  { key: 'join', filter: 'join: ", "' },
  { key: 'json', filter: 'json' },
  { key: 'map', filter: 'map: "было=стало, другое=иное"' },
];
