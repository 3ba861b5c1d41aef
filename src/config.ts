// Settings from the environment (DESIGN.md "Running"), validated once at start.
import { resolve } from 'node:path';
import { z } from 'zod';
import { emailAddress } from './lib/email.ts';
import { parseAllowList, type AllowEntry } from './engine/outbound/allow-list.ts';
import { buildRedactPattern } from './intake/redaction.ts';
import { DEFAULT_RETRY } from './engine/retry-policy.ts';
import { DEFAULT_CIRCUIT, type CircuitSettings } from './engine/outbound/circuit-breaker.ts';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  SVYAZKA_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  SVYAZKA_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').default('svyazka'),
  SVYAZKA_QUEUE_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  SVYAZKA_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  SVYAZKA_SECRET_KEY: z.string().optional(),
  SVYAZKA_PUBLIC_URL: z.string().url().optional(),
  SVYAZKA_WEBHOOK_MAX_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  SVYAZKA_WORKERS: z.coerce.number().int().min(1).max(4096).default(64),
  SVYAZKA_SQLITE_SYNC: z.enum(['normal', 'full']).default('normal'),
  SVYAZKA_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(DEFAULT_RETRY.maxAttempts),
  SVYAZKA_RETRY_BASE_MS: z.coerce.number().int().min(1).default(DEFAULT_RETRY.baseDelayMs),
  SVYAZKA_RETRY_MAX_MS: z.coerce.number().int().min(1).default(DEFAULT_RETRY.maxDelayMs),
  SVYAZKA_RETRY_FACTOR: z.coerce.number().min(1).max(10).default(DEFAULT_RETRY.factor),
  SVYAZKA_CIRCUIT_FAILURES: z.coerce.number().int().min(1).max(1000).default(DEFAULT_CIRCUIT.failures),
  SVYAZKA_CIRCUIT_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(DEFAULT_CIRCUIT.failureRate),
  SVYAZKA_CIRCUIT_WINDOW_MS: z.coerce.number().int().min(1).default(DEFAULT_CIRCUIT.windowMs),
  SVYAZKA_CIRCUIT_MIN_REQUESTS: z.coerce.number().int().min(1).default(DEFAULT_CIRCUIT.minRequests),
  SVYAZKA_CIRCUIT_PROBE_MS: z.coerce.number().int().min(1).default(DEFAULT_CIRCUIT.probeMs),
  SVYAZKA_CIRCUIT_PROBE_MAX_MS: z.coerce.number().int().min(1).default(DEFAULT_CIRCUIT.probeMaxMs),
  SVYAZKA_CIRCUIT_PROBE_LEASE_MS: z.coerce.number().int().min(1).default(DEFAULT_CIRCUIT.probeLeaseMs),
  SVYAZKA_CIRCUIT_REFRESH_MS: z.coerce.number().int().min(1).default(DEFAULT_CIRCUIT.refreshMs),
  SVYAZKA_PLANS_FILE: z.string().optional(),
  SVYAZKA_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  SVYAZKA_METRICS_TOKEN: z.string().trim().refine((v) => v === '' || v.length >= 16, 'at least 16 characters (or empty: /metrics open)').optional(),
  SVYAZKA_PRUNE_EXECUTIONS: z.enum(['true', 'false']).default('true'),
  SVYAZKA_ADMIN_EMAIL: emailAddress.default('admin@localhost'),
  SVYAZKA_ENV_WORKSPACES: z.string().default('default'),
  SVYAZKA_REDACT_NAMES: z.string().optional(),
  SVYAZKA_OUTBOUND_ALLOW: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseAllowList(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Namespace of this install's keys in Redis (several installs or test runs may share one Redis). */
  redisPrefix: string;
  /** Distributed mode: a dead worker's jobs and the scheduler's leadership return after about this long. */
  queueLockMs: number;
  role: 'all' | 'web' | 'worker';
  secretKey: string | undefined;
  publicUrl: string;
  webhookMaxBytes: number;
  workers: number;
  sqliteSync: 'normal' | 'full';
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; factor: number };
  /** When a service counts as down for a connection, and how it is probed (SVYAZKA_CIRCUIT_*). */
  circuit: CircuitSettings;
  logLevel: string;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (else it could be forged). */
  trustProxy: boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <this>` (the metrics cover every workspace). */
  metricsToken: string | undefined;
  /** Operator's plan catalog (JSON or YAML); the source page's six plans when absent. */
  plansFile: string | undefined;
  /** Retention also prunes finished executions and their journals, not only webhook history. */
  pruneExecutions: boolean;
  /** Email of the admin `serve` creates on a fresh data dir. */
  adminEmail: string;
  /** SVYAZKA_OUTBOUND_ALLOW: what outgoing requests may reach besides public addresses (the SSRF guard). */
  outboundAllow: AllowEntry[];
  /** Exposed to templates as `env`: SVYAZKA_ENV_FOO=bar → {{env.FOO}}. Nothing else of the environment is. */
  templateEnv: Record<string, string>;
  /** Slugs of the workspaces whose templates may use `env` (SVYAZKA_ENV_WORKSPACES; `*` = all). */
  envWorkspaces: string[];
  /** Header and query parameter names redacted in webhook history (defaults + SVYAZKA_REDACT_NAMES). */
  redactPattern: RegExp;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  const e = parsed.data;
  const templateEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('SVYAZKA_ENV_') && key !== 'SVYAZKA_ENV_WORKSPACES' && value !== undefined) templateEnv[key.slice('SVYAZKA_ENV_'.length)] = value;
  }
  const config: Config = {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.SVYAZKA_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.SVYAZKA_REDIS_PREFIX,
    queueLockMs: e.SVYAZKA_QUEUE_LOCK_MS,
    role: e.SVYAZKA_ROLE,
    secretKey: e.SVYAZKA_SECRET_KEY,
    publicUrl: (e.SVYAZKA_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    webhookMaxBytes: e.SVYAZKA_WEBHOOK_MAX_BYTES,
    workers: e.SVYAZKA_WORKERS,
    sqliteSync: e.SVYAZKA_SQLITE_SYNC,
    retry: { maxAttempts: e.SVYAZKA_RETRY_MAX_ATTEMPTS, baseDelayMs: e.SVYAZKA_RETRY_BASE_MS, maxDelayMs: e.SVYAZKA_RETRY_MAX_MS, factor: e.SVYAZKA_RETRY_FACTOR },
    circuit: {
      failures: e.SVYAZKA_CIRCUIT_FAILURES,
      failureRate: e.SVYAZKA_CIRCUIT_FAILURE_RATE,
      windowMs: e.SVYAZKA_CIRCUIT_WINDOW_MS,
      minRequests: e.SVYAZKA_CIRCUIT_MIN_REQUESTS,
      probeMs: e.SVYAZKA_CIRCUIT_PROBE_MS,
      probeMaxMs: e.SVYAZKA_CIRCUIT_PROBE_MAX_MS,
      probeLeaseMs: e.SVYAZKA_CIRCUIT_PROBE_LEASE_MS,
      refreshMs: e.SVYAZKA_CIRCUIT_REFRESH_MS,
    },
    logLevel: e.LOG_LEVEL,
    plansFile: e.SVYAZKA_PLANS_FILE,
    trustProxy: e.SVYAZKA_TRUST_PROXY === 'true',
    metricsToken: e.SVYAZKA_METRICS_TOKEN || undefined,
    pruneExecutions: e.SVYAZKA_PRUNE_EXECUTIONS === 'true',
    adminEmail: e.SVYAZKA_ADMIN_EMAIL.toLowerCase(),
    templateEnv,
    outboundAllow: e.SVYAZKA_OUTBOUND_ALLOW,
    envWorkspaces: e.SVYAZKA_ENV_WORKSPACES.split(',').map((w) => w.trim()).filter(Boolean),
    redactPattern: buildRedactPattern(e.SVYAZKA_REDACT_NAMES),
  };
  return { ...config, ...overrides };
}
