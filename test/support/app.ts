// Starts a real Svyazka app for a test: a fresh SQLite file in a temp dir (or a fresh PostgreSQL
// database, see database.ts), HTTP on a loopback port.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.ts';
import { hashSecret, newApiToken } from '../../src/api/auth.ts';
import type { SignInThrottle } from '../../src/api/sign-in-throttle.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { ConnectorRegistry } from '../../src/connector-kit/registry.ts';
import type { Resolver } from '../../src/engine/outbound/guard.ts';
import type { Role } from '../../src/store/types.ts';
import type { Logger } from 'pino';
import { deletePrefix, openRedis } from '../../src/queue/redis.ts';
import { dropDatabaseFor, withTestDatabase } from './database.ts';
export { databaseEnv } from './database.ts';

export interface TestApp extends RunningApp {
  dataDir: string;
  token: string;
  workspaceId: string;
  /** Stops the app; the data dir stays for a restart. */
  restart(): Promise<TestApp>;
  close(): Promise<void>;
  api(path: string, init?: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> }): Promise<{ status: number; json: any }>;
  createToken(workspaceSlug: string, role?: Role): Promise<string>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'svyazka-test-'));
}

/** A plan catalog with limits no test reaches, for tests that are not about plans. */
export const UNLIMITED_PLANS = new URL('./plans-unlimited.json', import.meta.url).pathname;

export function testConfig(dataDir: string, extra: Partial<Config> = {}): Config {
  return loadConfig(
    { PORT: '0', HOST: '127.0.0.1', SVYAZKA_DATA_DIR: dataDir, LOG_LEVEL: 'silent', SVYAZKA_RETRY_BASE_MS: '50', SVYAZKA_RETRY_MAX_MS: '1000', SVYAZKA_PLANS_FILE: UNLIMITED_PLANS,
      // Tests' services listen on loopback; test/security/ssrf.test.ts turns this off (outboundAllow: []).
      SVYAZKA_OUTBOUND_ALLOW: '127.0.0.1,::1' },
    extra,
  );
}

/**
 * SVYAZKA_TEST_REDIS_URL runs test apps in distributed mode (BullMQ queue, shared limits), each
 * app under its own key prefix so tests running in parallel never see each other's keys.
 */
function withTestRedis(config: Partial<Config> | undefined): Partial<Config> | undefined {
  const url = process.env.SVYAZKA_TEST_REDIS_URL;
  if (!url || config?.redisUrl !== undefined) return config;
  return { redisUrl: url, redisPrefix: `svyazka-test-${randomBytes(6).toString('hex')}`, ...config };
}

async function dropTestRedis(config: Partial<Config> | undefined): Promise<void> {
  if (!config?.redisUrl || !config.redisPrefix?.startsWith('svyazka-test-')) return;
  const redis = openRedis({ url: config.redisUrl, prefix: config.redisPrefix }, { waitForever: false, name: 'test-cleanup' });
  try {
    await deletePrefix(redis, config.redisPrefix);
  } finally {
    redis.disconnect();
  }
}

export async function startTestApp(opts: { dataDir?: string; config?: Partial<Config>; connectors?: ConnectorRegistry; token?: string; logger?: Logger; outboundResolver?: Resolver; signInThrottle?: SignInThrottle } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? tempDataDir();
  // Fixed here, so a restart() finds the same queue and keys.
  opts = { ...opts, config: await withTestDatabase(dataDir, withTestRedis(opts.config)) };
  const app = await startApp(testConfig(dataDir, opts.config), { connectors: opts.connectors, logger: opts.logger, outboundResolver: opts.outboundResolver, signInThrottle: opts.signInThrottle });
  const s = app.services;
  const createToken = async (slug: string, role: Role = 'owner') => {
    const ws = await s.store.ensureWorkspace(slug, slug);
    const secret = newApiToken();
    await s.store.createApiToken({ workspaceId: ws.id, userId: null, role, name: 'test', tokenHash: hashSecret(secret) });
    return secret;
  };
  const token = opts.token ?? (await createToken('default'));
  const api: TestApp['api'] = async (path, init = {}) => {
    const res = await fetch(app.url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${init.token ?? token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, json };
  };
  const result: TestApp = {
    ...app,
    dataDir,
    token,
    workspaceId: s.defaultWorkspace.id,
    api,
    createToken,
    async restart() {
      await app.stop();
      return startTestApp({ ...opts, dataDir, token });
    },
    async close() {
      await app.stop();
      await dropTestRedis(opts.config);
      await dropDatabaseFor(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return result;
}

/** Polls `check` until it returns a value (bounded: throws after `timeoutMs`, generous so that a loaded machine is only slower). */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
