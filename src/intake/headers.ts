// Request headers as kept in webhook history: secrets masked, noise dropped.
const SECRET_HEADER = /authorization|cookie|token|secret|password|api[-_]?key|signature/i;
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

export function headersForHistory(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name)) continue;
    out[name] = SECRET_HEADER.test(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
