// Which limiter budget a connection's requests take: the connector's own unit (an account, an API
// key) when it names one, else the connection. A connection whose auth the connector cannot key
// (a malformed value) falls back to its own id — the request then fails on that value anyway.
import type { AuthValues, ConnectorDefinition } from '../../connector-kit/types.ts';

export function limitKeyOf(connector: Pick<ConnectorDefinition, 'limits'>, conn: { id: string; auth: AuthValues } | null | undefined): string | undefined {
  if (!conn) return undefined;
  const keyOf = connector.limits?.keyOf;
  if (!keyOf) return conn.id;
  try {
    const key = keyOf(conn.auth);
    return key ? key : conn.id;
  } catch {
    return conn.id;
  }
}
