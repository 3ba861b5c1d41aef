// Preloaded into the server by bench/e2e.ts with GC=1 (NODE_OPTIONS=--import): V8's GCProfiler from
// SIGUSR2 to the next SIGUSR2, summed per kind of collection, written as JSON to GC_PROBE_OUT —
// scavenges and what they promoted into the old generation (what the mark-compacts then mark),
// mark-compacts and the heap they left. Plain JavaScript so that it loads before anything else.
import { GCProfiler } from 'node:v8';
import { writeFileSync } from 'node:fs';

const out = process.env.GC_PROBE_OUT;
if (out && process.argv.includes('serve')) {
  let profiler = null;
  let startedAt = 0;
  process.on('SIGUSR2', () => {
    if (!profiler) {
      profiler = new GCProfiler();
      profiler.start();
      startedAt = performance.now();
      return;
    }
    const { statistics } = profiler.stop();
    profiler = null;
    const used = (heap, space) => heap.heapSpaceStatistics.find((s) => s.spaceName === space)?.spaceUsedSize ?? 0;
    const sum = { seconds: (performance.now() - startedAt) / 1000, scavenges: 0, scavengeMs: 0, promotedBytes: 0, markCompacts: 0, markCompactMs: 0, heapAfterMarkCompact: [] };
    for (const s of statistics) {
      if (s.gcType === 'Scavenge' || s.gcType === 'MinorMarkSweep') {
        sum.scavenges++;
        sum.scavengeMs += s.cost / 1000;
        sum.promotedBytes += Math.max(0, used(s.afterGC, 'old_space') - used(s.beforeGC, 'old_space'));
      } else if (s.gcType === 'MarkSweepCompact') {
        sum.markCompacts++;
        sum.markCompactMs += s.cost / 1000;
        sum.heapAfterMarkCompact.push(s.afterGC.heapStatistics.usedHeapSize);
      }
    }
    writeFileSync(out, JSON.stringify(sum));
  });
}
