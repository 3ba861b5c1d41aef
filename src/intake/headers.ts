// Request headers as kept in webhook history: secrets redacted by name (redaction.ts), noise dropped.
import { DEFAULT_REDACT_PATTERN, REDACTED } from './redaction.ts';

const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

export function headersForHistory(headers: Record<string, string | string[] | undefined>, secretNames: RegExp = DEFAULT_REDACT_PATTERN): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name)) continue;
    out[name] = secretNames.test(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
