// `svyazka recipe list|run`: the recipes of examples/, and each one run against the sandboxes.
import { Command } from 'commander';
import { loadRecipes } from '../recipes/catalog.ts';
import { print, table } from './kit.ts';

export function recipeCommand(): Command {
  const recipe = new Command('recipe').description('Рецепты: готовые связки из examples/ и их запуск в песочницах / recipes: ready flows and a run against the sandboxes');
  recipe
    .command('list')
    .description('Рецепты: имя, что делает, какие подключения нужны / recipes, what each does, the connections it names')
    .option('--json', 'JSON output (as GET /api/v1/templates, with command recipes)')
    .action((opts: { json?: boolean }) => {
      const recipes = loadRecipes();
      if (opts.json) return print(recipes.map(({ flow: _flow, ...r }) => r));
      process.stdout.write(table(['RECIPE', 'WHAT', 'CONNECTIONS', 'FILE'], recipes.map((r) => [r.id, r.name.ru, r.connections.map((c) => `${c.name} (${c.connector})`).join(', '), r.file ? `examples/${r.file}` : 'svyazka calltouch export'])));
      process.stdout.write('\nЗапуск в песочницах / run against the sandboxes: svyazka recipe run <RECIPE>\n');
    });
  recipe
    .command('run')
    .description('Запустить рецепт в песочницах: песочницы, сервер на своём каталоге данных, подключения, связка, событие и результат / run a recipe end to end against the sandboxes')
    .argument('<recipe>', 'recipe name (svyazka recipe list)')
    .option('--keep', 'не останавливать сервер и песочницы: открыть веб-интерфейс, посмотреть историю (Ctrl+C — выход) / keep the server and sandboxes running')
    .option('--data-dir <dir>', 'каталог данных (по умолчанию временный, удаляется) / data dir (default: a temporary one, removed after)')
    .option('-p, --port <port>', 'порт сервера при --keep / the server port with --keep', '0')
    .option('-o, --out-dir <dir>', 'куда писать файл выгрузки / where an export writes its file', '.')
    .option('--json', 'JSON output')
    .addHelpText('after', '\nExample: svyazka recipe run retailcrm-order-note-http\n         svyazka recipe run calltouch-export -o /tmp\n')
    .action(async (id: string, opts: { keep?: boolean; dataDir?: string; port: string; outDir: string; json?: boolean }) => {
      const progress = opts.json ? undefined : (line: string) => process.stdout.write(`${line}\n`);
      // Loaded when a recipe runs: its sandboxes stay out of every other command (serve among them).
      const { runRecipe } = await import('../recipes/run.ts');
      const result = await runRecipe(id, { keep: opts.keep, dataDir: opts.dataDir, port: Number(opts.port), outDir: opts.outDir, progress });
      if (opts.json) print({ recipe: result.recipe.id, ok: result.ok, lines: result.lines, error: result.error ?? null });
      else if (result.ok) process.stdout.write(['', 'Готово / done:', ...result.lines.map((l) => `  ${l}`), ''].join('\n'));
      else process.stdout.write(`\nНе получилось / failed: ${result.error}\n`);
      if (!result.ok) process.exitCode = 1;
      if (result.env) {
        process.stdout.write(`\nСервер работает: ${result.env.app.url}; Ctrl+C — остановить / running, Ctrl+C stops it\n`);
        const stop = async () => {
          await result.env!.close();
          process.exit(process.exitCode ?? 0);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }
    });
  return recipe;
}
