// In-process sandboxes for test runs: each connector's own fake service (ConnectorDefinition.sandbox)
// started once, on first use, on a loopback port; connectors without one get the echo target, which
// answers any request. All of them stop with the app. Each is let through the outbound guard by its
// exact loopback address and port while it runs.
import type { ConnectorDefinition, ConnectorHttp } from '../connector-kit/types.ts';
import { startEchoTarget } from '../connectors/http/echo-target.ts';
import type { OutboundGuard } from './outbound/guard.ts';

export interface SandboxEndpoint {
  baseUrl: string;
  /** Connection auth values that point at the sandbox; null for the echo target (the real connection's non-secret settings are used). */
  credentials: Record<string, string> | null;
}

interface Running {
  endpoint: SandboxEndpoint;
  close(): Promise<void>;
}

export class SandboxPool {
  private readonly started = new Map<string, Promise<Running>>();
  private stopped = false;
  private readonly outbound: OutboundGuard;

  constructor(deps: { outbound: OutboundGuard }) {
    this.outbound = deps.outbound;
  }

  /** The connector's sandbox, or the shared echo target when it has none. */
  endpoint(connector: ConnectorDefinition): Promise<SandboxEndpoint> {
    if (this.stopped) return Promise.reject(new Error('Sandboxes are stopped'));
    const key = connector.sandbox ? connector.key : '(echo)';
    let running = this.started.get(key);
    if (!running) {
      running = (
        connector.sandbox
          ? connector.sandbox({ host: '127.0.0.1', port: 0 }).then((h) => ({ endpoint: { baseUrl: h.baseUrl, credentials: h.credentials }, close: () => h.close() }))
          : startEchoTarget({ host: '127.0.0.1', port: 0 }).then((t) => ({ endpoint: { baseUrl: t.baseUrl, credentials: null }, close: () => t.close() }))
      ).then((r) => {
        const disallow = this.outbound.allow(r.endpoint.baseUrl);
        return { endpoint: r.endpoint, close: () => (disallow(), r.close()) };
      });
      // A sandbox that failed to start is tried again next time.
      running.catch(() => this.started.delete(key));
      this.started.set(key, running);
    }
    return running.then((r) => r.endpoint);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.started.values()];
    this.started.clear();
    await Promise.allSettled(all.map(async (r) => (await r).close()));
  }
}

/**
 * Sends every request to `baseUrl`'s origin whatever URL the connector built, so a test run
 * cannot reach a real service even when an input holds an absolute address.
 */
export function pinnedHttp(http: ConnectorHttp, baseUrl: string): ConnectorHttp {
  const origin = new URL(baseUrl);
  return {
    request(req) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return http.request(req);
      }
      url.protocol = origin.protocol;
      url.host = origin.host;
      return http.request({ ...req, url: url.toString() });
    },
  };
}
