#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=16 --heap-growing-percent=50 --no-allocation-site-pretenuring --expose-gc --no-wasm-loop-unrolling
// --expose-gc: lib/idle-gc.ts gives memory back once the server goes quiet after work.
// --max-semi-space-size: V8 lets the young generation grow to 128 MB under load, which is RSS
// with no gain in throughput here (bench/RESULTS.md); npm scripts pass the same flags.
// --heap-growing-percent=50: under load V8 let the old generation grow to 3-4x what a collection
// keeps alive (peak RSS 466-517 MB in bench/e2e); growing by half at a time keeps it under 250 MB.
// A soft setting, unlike --max-old-space-size: it never runs out of heap.
// --no-allocation-site-pretenuring: V8 otherwise marks allocation sites whose objects survive a
// young collection to allocate straight into the old generation. A webhook's objects live ~30-80 ms
// (longer than one young collection, far shorter than an old one), so in most server starts under
// load that tripled what reached the old generation (~27 vs ~9 MB/s) and its collections (bench/e2e
// GC=1), for ~10 % more CPU per webhook.
// --no-wasm-loop-unrolling: undici parses HTTP answers with WebAssembly (llhttp); when that code
// gets hot, V8's optimizing compiler unrolled its loops in a ~15 MB scratch area on a helper thread,
// and the allocator kept those pages: ~10 MB more peak RSS (heaptrack, bench/e2e).
// MALLOC_ARENA_MAX=2 (glibc): each thread that allocates (the store thread, V8's helpers) otherwise
// gets a malloc arena of its own, whose freed pages stay: 15-25 MB less peak RSS under bench/e2e's
// load at the same throughput. npm scripts and the Dockerfile set it too (a value given wins there).
// Launcher that works on any Node: Svyazka runs on Node.js 24, which `npm ci` installs from the
// npm registry (the `node` package). An older system Node hands over to it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  // Node strips the types of each src/*.ts module as it loads it, and its stripper (amaro, a WASM
  // module) then stays in memory for the life of the process: ~11 MB of RSS at rest. The compile
  // cache keeps the stripped source and V8's code on disk (os.tmpdir()/node-compile-cache, or
  // NODE_COMPILE_CACHE), so a later start loads neither. NODE_DISABLE_COMPILE_CACHE=1 turns it off;
  // a cache that cannot be written leaves the start as it was.
  nodeModule.enableCompileCache();
  await import('../src/cli/main.ts');
  // The command is done, or (serve, demo) is up and runs until it is killed: written now rather
  // than at an exit that may never come.
  nodeModule.flushCompileCache();
} else {
  const node24 = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(node24)) {
    console.error(`Svyazka needs Node.js 24; this is ${process.version}. Run "npm ci" in the project first: it installs Node 24 into node_modules.`);
    process.exit(1);
  }
  // The flags of the first line, which `env -S` would have given Node 24.
  const self = fileURLToPath(import.meta.url);
  const flags = readFileSync(self, 'utf8').split('\n', 1)[0].split(' ').filter((word) => word.startsWith('--'));
  const child = spawn(node24, [...flags, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
