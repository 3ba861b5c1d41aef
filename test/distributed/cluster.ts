// A small cluster of real Svyazka processes for the crash tests and bench/scale: one database
// (PostgreSQL), one Redis, any number of web and worker processes started with `svyazka serve`
// and SVYAZKA_ROLE, each killable with SIGKILL and restartable on its port.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../support/app.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface ProcessHandle {
  role: 'web' | 'worker' | 'all';
  port: number;
  child: ChildProcess;
  /** kill -9, resolved once the process is gone. */
  kill(): Promise<void>;
  /** Started again with the same role, port and environment. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProcess(role: ProcessHandle['role'], env: Record<string, string>, port?: number): Promise<ProcessHandle> {
  const p = port ?? (await freePort());
  const launch = () =>
    spawn(process.execPath, ['--max-semi-space-size=16', join(ROOT, 'bin/svyazka.js'), 'serve'], {
      env: { ...process.env, ...env, SVYAZKA_ROLE: role, PORT: String(p), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const handle: ProcessHandle = {
    role,
    port: p,
    child: launch(),
    async kill() {
      const c = handle.child;
      if (c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGKILL');
      await once(c, 'exit');
    },
    async restart() {
      await handle.kill();
      handle.child = launch();
      await waitHealthy(p);
    },
    async stop() {
      const c = handle.child;
      if (c.exitCode !== null || c.signalCode !== null) return;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
      await once(c, 'exit');
      clearTimeout(timer);
    },
  };
  await waitHealthy(p);
  return handle;
}

export async function waitHealthy(port: number): Promise<void> {
  await waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 120_000, `the process on port ${port} to be healthy`);
}

/** A Redis of the test's own (so restarting it disturbs nobody else), or null without redis-server. */
export async function startPrivateRedis(): Promise<{ url: string; restart(): Promise<void>; stop(): Promise<void> } | null> {
  const port = await freePort();
  const launch = () => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  let child = launch();
  const ok = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => resolve(true));
  });
  if (!ok) return null;
  const ready = () =>
    waitFor(async () => {
      const { Redis } = await import('ioredis');
      const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    }, 30_000, 'the private redis-server');
  await ready();
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    // What `redis-cli shutdown nosave` + start does: every key is gone.
    async restart() {
      await stop();
      child = launch();
      await ready();
    },
    stop,
  };
}
