// Which header and query parameter names hold a sender's secret. Their values are replaced
// before a webhook is stored (history and the execution's trigger data alike), so neither the
// history API nor the database file ever holds them.

export const REDACTED = '[redacted]';

/**
 * Names containing any of these (case-insensitive) are secret: `Authorization`, `X-Webhook-Auth`,
 * `X-Hub-Signature-256`, `apiKey`, `Cookie`, `session_id`, `PHPSESSID`… but not `Content-Type` or `User-Agent`.
 */
export const DEFAULT_SECRET_NAME_PARTS = ['token', 'key', 'secret', 'auth', 'sign', 'sig', 'password', 'pass', 'session', 'sessid', 'cookie', 'credential'] as const;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The secret-name pattern: the defaults plus the operator's `SVYAZKA_REDACT_NAMES` — either
 * comma-separated names (each matches as a case-insensitive part of a name) or `/regex/`
 * (case-insensitive). Throws a message naming the variable when the regex does not compile.
 */
export function buildRedactPattern(extra: string | undefined): RegExp {
  const parts: string[] = DEFAULT_SECRET_NAME_PARTS.map(escape);
  const text = extra?.trim() ?? '';
  if (text.length > 2 && text.startsWith('/') && text.endsWith('/')) {
    const source = text.slice(1, -1);
    try {
      new RegExp(source, 'i');
    } catch (error) {
      throw new Error(`SVYAZKA_REDACT_NAMES: not a valid regular expression: ${(error as Error).message}`);
    }
    parts.push(`(?:${source})`);
  } else if (text) {
    for (const name of text.split(',')) {
      const trimmed = name.trim();
      if (!trimmed) continue;
      if (!/^[\x21-\x7e]{1,100}$/.test(trimmed)) throw new Error(`SVYAZKA_REDACT_NAMES: "${trimmed}" is not a header or parameter name (printable ASCII, no spaces)`);
      parts.push(escape(trimmed));
    }
  }
  return new RegExp(parts.join('|'), 'i');
}

export const DEFAULT_REDACT_PATTERN = buildRedactPattern(undefined);

/** A copy of parsed query parameters with the value under every secret name replaced, at any depth. */
export function redactParams(value: Record<string, unknown>, pattern: RegExp): Record<string, unknown> {
  return redactNode(value, pattern) as Record<string, unknown>;
}

function redactNode(node: unknown, pattern: RegExp): unknown {
  if (Array.isArray(node)) return node.map((v) => redactNode(v, pattern));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // Parsed query strings never carry "__proto__" (body.ts refuses it), so plain assignment is safe.
    out[key] = pattern.test(key) ? REDACTED : redactNode(value, pattern);
  }
  return out;
}
