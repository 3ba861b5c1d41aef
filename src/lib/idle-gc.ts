// After a burst of work the V8 heap stays as large as the burst made it (RSS measured after a
// 10 s load stays flat for as long as we watched) though a full GC finds ~20 MB alive. When the
// process has gone quiet after real work, one full collection gives that memory back.
// The collector is V8's `gc()`, exposed by `--expose-gc` on the command line (package.json's
// scripts and bin/svyazka.js pass it). Without the flag this does nothing: turning it on at run
// time (v8.setFlagsFromString) is what Node documents as unpredictable.

function gcFunction(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as () => void) : null;
}

/**
 * Calls `busy()` every `everyMs`; once it has reported work and then stayed idle for a whole
 * period, runs one full GC (at most once per quiet spell).
 */
export function collectWhenIdle(busy: () => boolean, everyMs = 2000): NodeJS.Timeout {
  let worked = false;
  let quietSince = 0;
  const timer = setInterval(() => {
    if (busy()) {
      worked = true;
      quietSince = 0;
      return;
    }
    if (!worked) return;
    if (quietSince === 0) {
      quietSince = Date.now();
      return;
    }
    worked = false;
    gcFunction()?.();
  }, everyMs);
  timer.unref();
  return timer;
}
