// `svyazka recipe run <name>`: one command that shows a recipe working — the sandboxes it needs,
// an app on a data dir of its own, the connections named as the recipe expects, the flow imported
// and set off, and the end state it reached.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { findRecipe, type Recipe } from './catalog.ts';
import { startRecipeEnv, type RecipeEnv } from './env.ts';
import { scenarioOf } from './scenarios.ts';

export interface RecipeRunOptions {
  /** The app's data dir; a fresh temporary one (removed after) when not given. */
  dataDir?: string;
  /** Where a command recipe writes its file (default: the current directory). */
  outDir?: string;
  port?: number;
  seed?: number;
  timeoutMs?: number;
  logger?: Logger;
  env?: Record<string, string>;
  /** Keep the app and sandboxes running after the end state (the caller closes `env`). */
  keep?: boolean;
  progress?: (line: string) => void;
}

export interface RecipeRunResult {
  recipe: Recipe;
  ok: boolean;
  /** What happened, in the user's words (Russian), or why it did not. */
  lines: string[];
  error?: string;
  /** Open when `keep` was asked for: the running app and sandboxes. */
  env?: RecipeEnv;
  dataDir: string;
}

export async function runRecipe(id: string, opts: RecipeRunOptions = {}): Promise<RecipeRunResult> {
  const recipe = findRecipe(id);
  const say = opts.progress ?? (() => undefined);
  const temporary = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'svyazka-recipe-'));
  say(`Рецепт «${recipe.name.ru}»${recipe.file ? ` (examples/${recipe.file})` : ''}`);
  const env = await startRecipeEnv(recipe, { dataDir, port: opts.port, seed: opts.seed, logger: opts.logger, env: opts.env });
  const sandboxes = Object.entries({ RetailCRM: env.crm, Calltouch: env.ct, Ozon: env.ozon, Wildberries: env.wb, Kaspi: env.kaspi, 'echo (HTTP)': env.echo })
    .filter(([, sb]) => sb)
    .map(([name, sb]) => `${name} ${sb!.baseUrl}`);
  say(`Песочницы / sandboxes: ${sandboxes.join(', ')}`);
  say(`Связка / app: ${env.app.url} (data dir ${dataDir}); подключения / connections: ${recipe.connections.map((c) => `${c.name} (${c.connector})`).join(', ')}`);
  let result: RecipeRunResult;
  try {
    const lines = await scenarioOf(recipe.id)({ env, recipe, outDir: opts.outDir ?? process.cwd(), timeoutMs: opts.timeoutMs ?? 60_000 });
    result = { recipe, ok: true, lines, dataDir };
  } catch (error) {
    result = { recipe, ok: false, lines: [], error: (error as Error).message, dataDir };
  }
  if (opts.keep) return { ...result, env };
  await env.close();
  if (temporary) rmSync(dataDir, { recursive: true, force: true });
  return result;
}
