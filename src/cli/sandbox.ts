// `svyazka sandbox <connector>`: a connector's fake service in the foreground, for scripts.
import { builtinConnectors } from '../connectors/index.ts';
import { startEchoTarget } from '../connectors/http/echo-target.ts';
import type { SandboxHandle } from '../connector-kit/types.ts';

export async function runSandbox(key: string, opts: { port?: string; seed?: string; records?: string }): Promise<void> {
  const connector = builtinConnectors().get(key);
  if (!connector) throw new Error(`Unknown connector "${key}"`);
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0…65535');
  let handle: SandboxHandle;
  if (connector.sandbox) {
    handle = await connector.sandbox({
      port,
      seed: opts.seed === undefined ? undefined : Number(opts.seed),
      records: opts.records === undefined ? undefined : Number(opts.records),
    });
  } else if (key === 'http') {
    const echo = await startEchoTarget({ port });
    handle = { baseUrl: echo.baseUrl, credentials: {}, close: echo.close };
  } else {
    throw new Error(`Connector "${key}" has no sandbox`);
  }
  process.stdout.write(JSON.stringify({ connector: key, baseUrl: handle.baseUrl, credentials: handle.credentials }) + '\n');
  // The server's outbound guard refuses loopback: say how to let exactly this sandbox through.
  const { hostname, port: bound } = new URL(handle.baseUrl);
  process.stderr.write(`Loopback is refused by the server's outbound guard; start it with SVYAZKA_OUTBOUND_ALLOW=${hostname}:${bound} to reach this sandbox\n`);
  const stop = async () => {
    await handle.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
