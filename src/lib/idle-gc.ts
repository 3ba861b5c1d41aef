// After a burst of work the V8 heap stays as large as the burst made it (RSS measured after a
// 10 s load stays flat for as long as we watched) though a full GC finds ~20 MB alive. When the
// process has gone quiet after real work, one full collection gives that memory back.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

function gcFunction(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  } catch {
    collect = null;
  }
  return collect;
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
