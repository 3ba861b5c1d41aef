// The web UI's initial JavaScript: what index.html loads before any lazy route — the entry
// chunk plus everything it imports statically (transitively) — gzipped, against the 300 KB
// budget of issue 8. Builds into a temporary directory (web/dist, which a running server may be
// serving, is left alone) unless `--dist <dir>` measures an existing build.
// Usage: node bench/ui-bundle.ts [--dist web/dist]   (npm run bench:ui-bundle)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BUDGET_KB = 300;

function build(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'svyazka-ui-bundle-'));
  execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--config', 'web/vite.config.ts', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `/assets/x.js` → path inside the build. */
const fileOf = (dir: string, url: string) => join(dir, url.replace(/^\//, ''));

/** Static imports of a minified ES module chunk (`import{a}from"./b.js"`, `import"./c.js"`); dynamic `import("…")` is left out. */
export function staticImports(code: string): string[] {
  const found = new Set<string>();
  const re = /(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]*?from\s*)?["']([^"']+\.js)["']/g;
  for (const m of code.matchAll(re)) found.add(m[1]);
  return [...found];
}

interface Chunk {
  file: string;
  bytes: number;
  gzip: number;
}

export function initialJs(dir: string): { chunks: Chunk[]; css: Chunk[] } {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const entries = [...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g)].map((m) => m[1]);
  if (entries.length === 0) throw new Error(`No <script type="module"> in ${dir}/index.html`);
  const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  const seen = new Map<string, Chunk>();
  const queue = [...entries, ...preloads];
  while (queue.length) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    const code = readFileSync(fileOf(dir, url), 'utf8');
    seen.set(url, { file: url, bytes: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length });
    for (const spec of staticImports(code)) queue.push(spec.startsWith('/') ? spec : posix.join(posix.dirname(url), spec));
  }
  const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => {
    const text = readFileSync(fileOf(dir, m[1]), 'utf8');
    return { file: m[1], bytes: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length };
  });
  return { chunks: [...seen.values()], css };
}

const kb = (n: number) => (n / 1024).toFixed(1);

if (import.meta.main) {
  const at = process.argv.indexOf('--dist');
  const built = at > 0 ? { dir: join(process.cwd(), process.argv[at + 1]), cleanup() {} } : build();
  try {
    const { chunks, css } = initialJs(built.dir);
    const total = chunks.reduce((a, c) => a + c.gzip, 0);
    console.log('Initial JS (entry + static imports), gzip -9:');
    for (const c of chunks.sort((a, b) => b.gzip - a.gzip)) console.log(`  ${c.file.padEnd(44)} ${kb(c.bytes).padStart(8)} KB  gzip ${kb(c.gzip).padStart(7)} KB`);
    console.log(`  ${'total'.padEnd(44)} ${kb(chunks.reduce((a, c) => a + c.bytes, 0)).padStart(8)} KB  gzip ${kb(total).padStart(7)} KB`);
    for (const c of css) console.log(`CSS ${c.file}: ${kb(c.bytes)} KB, gzip ${kb(c.gzip)} KB (not counted)`);
    const ok = total <= BUDGET_KB * 1024;
    console.log(`${ok ? 'OK' : 'OVER BUDGET'}: ${kb(total)} KB gzip of ${BUDGET_KB} KB`);
    if (!ok) process.exitCode = 1;
  } finally {
    built.cleanup();
  }
}
