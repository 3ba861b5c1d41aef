// Preloaded into the server by bench/alloc.ts (NODE_OPTIONS=--import): V8's sampling heap profiler,
// counting objects the GC has already collected too (with ALLOC_SURVIVORS=1 only those a scavenge
// did not collect), from SIGUSR2 to the next SIGUSR2, written to
// ALLOC_PROFILE_OUT. Plain JavaScript so that it loads before anything else and strips nothing.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const out = process.env.ALLOC_PROFILE_OUT;
// ALLOC_SURVIVORS=1: only objects that outlived the young generation (promoted: what major GCs mark).
const survivors = process.env.ALLOC_SURVIVORS === '1';
if (out && process.argv.includes('serve')) {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
      return;
    }
    session.post('HeapProfiler.stopSampling', (error, result) => {
      // bench/alloc.ts waits for the file to appear.
      writeFileSync(out, error ? JSON.stringify({ error: String(error) }) : JSON.stringify(result.profile));
    });
  });
}
