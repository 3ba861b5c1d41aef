// Starts the real product the way a newcomer does: `bin/svyazka.js serve` as a child process on a
// free loopback port with a fresh data dir, and reads the first admin's email and password from
// what it prints on first start.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseEnv, dropDatabaseFor } from '../../support/database.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const UNLIMITED_PLANS = join(ROOT, 'test/support/plans-unlimited.json');

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  admin: { email: string; password: string; token: string };
  /** Everything the server printed so far (stdout + stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  /** A plan catalog file; plans-unlimited.json (no test reaches its limits) when absent. */
  plansFile?: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'svyazka-ui-'));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(ROOT, 'bin/svyazka.js'), 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SVYAZKA_PUBLIC_URL: url,
      SVYAZKA_DATA_DIR: dataDir,
      SVYAZKA_PLANS_FILE: opts.plansFile ?? UNLIMITED_PLANS,
      SVYAZKA_RETRY_BASE_MS: '50',
      SVYAZKA_RETRY_MAX_MS: '1000',
      LOG_LEVEL: 'warn',
      SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1',
      ...(await databaseEnv(dataDir)),
      ...opts.env,
    },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const stop = () => stopChild(child).finally(async () => {
    await dropDatabaseFor(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    const admin = await waitForAdmin(child, () => out, opts.startTimeoutMs ?? 180_000);
    return { url, port, dataDir, admin, output: () => out, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The lines `email: …`, `password: …`, `API token: …` of the first-start message. */
export function parseFirstAdmin(text: string): { email: string; password: string; token: string } | null {
  const email = /^\s*email:\s+(\S+)\s*$/m.exec(text)?.[1];
  const password = /^\s*password:\s+(\S+)\s*$/m.exec(text)?.[1];
  const token = /^\s*API token:\s+(\S+)\s*$/m.exec(text)?.[1];
  return email && password && token ? { email, password, token } : null;
}

function waitForAdmin(child: ChildProcess, output: () => string, timeoutMs: number) {
  return new Promise<{ email: string; password: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`svyazka serve printed no first admin within ${timeoutMs} ms. Output:\n${output()}`)), timeoutMs);
    const check = () => {
      const admin = parseFirstAdmin(output());
      if (admin) done(null, admin);
    };
    const onExit = (code: number | null) => done(new Error(`svyazka serve exited (${code}) before it printed the first admin. Output:\n${output()}`));
    const done = (error: Error | null, admin?: { email: string; password: string; token: string }) => {
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(admin!);
    };
    child.stdout!.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
