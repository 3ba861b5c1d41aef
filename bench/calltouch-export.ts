// Bench (not a test): export N deals (1000 per page) from the sandbox through the engine's HTTP
// client and rate limiter at 5 req/s, streamed as NDJSON to /dev/null. Prints wall time vs the
// physical minimum (pages / 5 s) and peak RSS of the exporting process (sandbox in a child).
// Usage: node --max-semi-space-size=16 bench/calltouch-export.ts [records=100000]
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CalltouchClient } from '../src/connectors/calltouch/client.ts';
import { calltouchConnector } from '../src/connectors/calltouch/index.ts';
import { exportToStream } from '../src/connectors/calltouch/export-file.ts';
import { startCalltouchSandbox } from '../src/connectors/calltouch/sandbox.ts';
import { OutboundGuard } from '../src/engine/outbound/guard.ts';
import { createConnectorHttp } from '../src/engine/outbound/http-client.ts';
import { LocalRateLimiter } from '../src/engine/outbound/rate-limiter.ts';
import { createLogger } from '../src/logger.ts';

const records = Number(process.argv[2] ?? 100_000);
if (process.argv[3] === '--sandbox-child') {
  const sb = await startCalltouchSandbox({ seed: 1, records, startDate: '01/01/2018', days: 90 });
  process.stdout.write(JSON.stringify({ baseUrl: sb.baseUrl, credentials: sb.credentials }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => sb.close().then(() => process.exit(0)));
} else {
// The sandbox runs in a child process so the RSS measured is the exporter's alone.
const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(records), '--sandbox-child'], { stdio: ['pipe', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
const sb = JSON.parse(line) as { baseUrl: string; credentials: Record<string, string> };
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const out = createWriteStream('/dev/null');
// The client exactly as an action gets it: the engine's HTTP client under the connector's 5 req/s.
// The sandbox is on loopback: the guard lets exactly its address through.
const guard = new OutboundGuard();
guard.allow(sb.baseUrl);
const http = createConnectorHttp({ guard, limiter: new LocalRateLimiter(), limitKey: 'bench', ratePerSecond: calltouchConnector.limits!.requestsPerSecond });
const client = new CalltouchClient({
  auth: sb.credentials,
  http,
  logger: createLogger({ level: 'warn' }),
  signal: new AbortController().signal,
});
const started = performance.now();
const result = await exportToStream(client, { dateFrom: '01/01/2018', dateTo: '31/03/2018', withAllOrderOrigins: true }, out, { format: 'ndjson' });
const wall = (performance.now() - started) / 1000;
out.end();
await once(out, 'finish');
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const minimum = result.pages / 5;
console.log(JSON.stringify({ records: result.records, pages: result.pages, wallSeconds: +wall.toFixed(2), minimumSeconds: minimum, ratio: +(minimum / wall).toFixed(3), baselineRssMB: +(baseline / 1048576).toFixed(1), peakRssMB: +(peak / 1048576).toFixed(1) }));
child.stdin!.end();
}
