// Everything a recipe needs to run on one machine: the sandboxes of the services it uses
// (RetailCRM and Calltouch from one data set: every order has its deal, same number and phone),
// an app on its own data dir with the sandboxes let through the outbound guard, the connections
// the recipe names pointing at the sandboxes, and the recipe's flow imported and switched on.
import type { Logger } from 'pino';
import { startApp, type RunningApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../connectors/calltouch/sandbox.ts';
import { formatDmy } from '../connectors/calltouch/client.ts';
import { calltouchDeals, generateDemoData } from '../connectors/demo-data.ts';
import { startEchoTarget, type EchoTarget } from '../connectors/http/echo-target.ts';
import { startKaspiSandbox, type KaspiSandbox } from '../connectors/kaspi/sandbox.ts';
import { startOzonSandbox, type OzonSandbox } from '../connectors/ozon/sandbox.ts';
import { startRetailcrmSandbox, type RetailcrmSandbox } from '../connectors/retailcrm/sandbox.ts';
import { startWildberriesSandbox, type WildberriesSandbox } from '../connectors/wildberries/sandbox.ts';
import type { FlowView } from '../engine/flows.ts';
import type { Recipe } from './catalog.ts';

const DAY_MS = 86_400_000;

export interface RecipeEnv {
  app: RunningApp;
  workspaceId: string;
  crm?: RetailcrmSandbox;
  ct?: CalltouchSandbox;
  ozon?: OzonSandbox;
  wb?: WildberriesSandbox;
  kaspi?: KaspiSandbox;
  echo?: EchoTarget;
  /** Saves a connection of the recipe's name to the sandbox of its connector. */
  connect(name: string, connector: string): Promise<void>;
  /** Imports a flow (switched on) and returns its view. */
  importFlow(flow: Record<string, unknown>): Promise<FlowView>;
  /** The flow's webhook URL as this process reaches it. */
  localHook(view: FlowView): string;
  close(): Promise<void>;
}

export interface RecipeEnvOptions {
  dataDir: string;
  /** HTTP port of the app (0: any free). */
  port?: number;
  seed?: number;
  logger?: Logger;
  /** Extra environment for the app's config (tests pass their plan catalog, retry timings). */
  env?: Record<string, string>;
}

export async function startRecipeEnv(recipe: Recipe, opts: RecipeEnvOptions): Promise<RecipeEnv> {
  const uses = new Set([...recipe.connectors, ...recipe.connections.map((c) => c.connector)]);
  const seed = opts.seed ?? 1;
  const closers: Array<() => Promise<void>> = [];
  const env: Partial<RecipeEnv> = {};
  try {
    if (uses.has('retailcrm') || uses.has('calltouch')) {
      const data = generateDemoData({ seed, days: 30, orders: 20 });
      if (uses.has('retailcrm')) {
        env.crm = await startRetailcrmSandbox({ seed, dataSet: data });
        closers.push(env.crm.close);
      }
      if (uses.has('calltouch')) {
        const today = Math.floor(data.now / DAY_MS) * DAY_MS;
        env.ct = await startCalltouchSandbox({ seed, records: 0, startDate: formatDmy(today - 30 * DAY_MS), days: 31, deals: calltouchDeals(data) });
        closers.push(env.ct.close);
      }
    }
    if (uses.has('ozon')) {
      env.ozon = await startOzonSandbox({ seed, records: 5, fboRecords: 0, days: 3 });
      closers.push(env.ozon.close);
    }
    if (uses.has('wildberries')) {
      env.wb = await startWildberriesSandbox({ seed, records: 5, days: 3 });
      closers.push(env.wb.close);
    }
    if (uses.has('kaspi')) {
      env.kaspi = await startKaspiSandbox({ seed, records: 5, days: 3 });
      closers.push(env.kaspi.close);
    }
    if (uses.has('http')) {
      env.echo = await startEchoTarget({ port: 0 });
      closers.push(env.echo.close);
    }
    // Its own SQLite data dir, never the install's database or queue (a DATABASE_URL / REDIS_URL in the shell).
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...shell } = process.env;
    const config = loadConfig({
      ...shell,
      SVYAZKA_DATA_DIR: opts.dataDir,
      PORT: String(opts.port ?? 0),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...opts.env,
    });
    const app = await startApp(config, { logger: opts.logger });
    closers.push(() => app.stop());
    const s = app.services;
    const workspaceId = s.defaultWorkspace.id;
    const auth: Record<string, () => Record<string, unknown>> = {
      retailcrm: () => env.crm!.credentials,
      calltouch: () => env.ct!.credentials,
      ozon: () => env.ozon!.credentials,
      wildberries: () => env.wb!.credentials,
      kaspi: () => env.kaspi!.credentials,
      http: () => ({ baseUrl: env.echo!.baseUrl }),
    };
    const handle: RecipeEnv = {
      ...env,
      app,
      workspaceId,
      async connect(name, connector) {
        const values = auth[connector]?.();
        if (!values) throw new Error(`No sandbox for connector "${connector}"`);
        // The sandboxes listen on loopback, which the outbound guard refuses: each is let through by its exact address.
        for (const value of Object.values(values)) if (typeof value === 'string' && /^https?:\/\//.test(value)) s.outbound.allow(value);
        await s.connections.save(workspaceId, { name, connector, auth: values });
      },
      async importFlow(flow) {
        return s.flows.view(await s.flows.save(workspaceId, { ...flow, enabled: true }));
      },
      localHook: (view) => view.webhookUrl!.replace(config.publicUrl, app.url),
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
    return handle;
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
