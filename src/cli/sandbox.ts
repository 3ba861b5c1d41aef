// `svyazka sandbox <connector>`: a connector's fake service in the foreground, for scripts.
import { builtinConnectors } from '../connectors/index.ts';
import { startEchoTarget } from '../connectors/http/echo-target.ts';
import type { SandboxFlag, SandboxHandle, SandboxOptions } from '../connector-kit/types.ts';

export interface SandboxCliOptions {
  port?: string;
  seed?: string;
  records?: string;
  days?: string;
  hook?: string;
}

/** RetailCRM and Calltouch standalone: the shared data set over 30 days unless --days says otherwise. */
const SHARED_DATA_DAYS: Record<string, number> = { retailcrm: 30, calltouch: 30 };

function whole(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number ${min}…${max}`);
  return n;
}

/** The SandboxOptions for the CLI flags, refusing a flag the connector's sandbox would ignore. */
export function sandboxOptions(key: string, flags: readonly SandboxFlag[], opts: SandboxCliOptions): SandboxOptions {
  for (const flag of ['seed', 'records', 'days', 'hook'] as const) {
    if (opts[flag] !== undefined && !flags.includes(flag)) {
      throw new Error(`The ${key} sandbox has no --${flag} (it takes: ${flags.map((f) => `--${f}`).join(', ') || 'only --port'})`);
    }
  }
  if (opts.hook !== undefined) {
    const url = URL.canParse(opts.hook) ? new URL(opts.hook) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new Error('--hook must be an http(s) URL, e.g. the flow\'s webhook URL');
  }
  return {
    seed: whole('seed', opts.seed, 0, 2 ** 31 - 1),
    records: whole('records', opts.records, 0, 100_000),
    days: whole('days', opts.days, 1, 3650) ?? SHARED_DATA_DAYS[key],
    hook: opts.hook,
  };
}

export async function runSandbox(key: string, opts: SandboxCliOptions): Promise<void> {
  const connector = builtinConnectors().get(key);
  if (!connector) throw new Error(`Unknown connector "${key}"`);
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0…65535');
  let handle: SandboxHandle;
  if (connector.sandbox) {
    handle = await connector.sandbox({ port, ...sandboxOptions(key, connector.sandboxFlags ?? [], opts) });
  } else if (key === 'http') {
    sandboxOptions(key, [], opts);
    const echo = await startEchoTarget({ port });
    handle = { baseUrl: echo.baseUrl, credentials: {}, close: echo.close };
  } else {
    throw new Error(`Connector "${key}" has no sandbox`);
  }
  process.stdout.write(JSON.stringify({ connector: key, baseUrl: handle.baseUrl, credentials: handle.credentials, outage: `${handle.baseUrl}/_sandbox/outage` }) + '\n');
  if (opts.hook) process.stderr.write(`Every order created or changed here is sent to ${opts.hook} (order[id], as RetailCRM's trigger sends it)\n`);
  process.stderr.write(`Play an outage: curl -X POST ${handle.baseUrl}/_sandbox/outage -d '{"status":503,"seconds":60}' (every request answers 503 for 60 s; "seconds":0 ends it)\n`);
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

export const SANDBOX_HELP = `
Флаги данных / data flags (where the sandbox honours them):
  --seed N     те же данные при том же N: номера, телефоны, суммы (даты идут от текущего момента)
               / same N, same data: numbers, phones, amounts (dates follow the clock)
  --days N     насколько назад уходят данные, дней / how far back the seeded data goes, days
               retailcrm и calltouch с одинаковыми --seed и --days — общий набор: у каждого заказа
               есть сделка с тем же номером и телефоном (по умолчанию 30 дней)
               / retailcrm and calltouch with the same --seed and --days share one data set
  --records N  сколько записей / how many records
  --hook URL   только retailcrm: на каждый созданный или изменённый заказ — POST order[id] на URL,
               как триггер RetailCRM (URL вебхука связки) / retailcrm only: RetailCRM's trigger
               to URL on every order created or changed

  retailcrm: --seed --days --records --hook; calltouch, ozon, wildberries, kaspi: --seed --days --records;
  http (echo): only --port.

Example:
  svyazka sandbox retailcrm --port 4020 --seed 7 --days 14 --hook http://localhost:3000/hooks/<token>
  svyazka sandbox calltouch --port 4030 --seed 7 --days 14
`;
