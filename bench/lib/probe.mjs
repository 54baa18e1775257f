/**
 * Profiling probe, preloaded into a server under test (`node --import ./bench/lib/probe.mjs …`)
 * by bench/run.mjs when BENCH_PROFILE=1. It changes nothing until told:
 *   SIGUSR2 #1: start the CPU profiler and the sampling heap profiler (allocations of objects
 *               that are collected again included, i.e. the garbage a request makes)
 *   SIGUSR2 #2: write <BENCH_PROBE_DIR>/<BENCH_PROBE_NAME>.cpuprofile and .heapprofile, then
 *               print "PROBE WRITTEN" on stderr
 * so the profiles cover exactly the window of one load run (not start-up or idle time).
 * BENCH_PROBE_PROMOTED=1: the heap profile leaves out objects a scavenge collected, i.e. it shows
 * what was promoted to the old generation (what makes mark-compacts).
 */
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_PROBE_DIR ?? 'bench/out/profiles';
const name = process.env.BENCH_PROBE_NAME ?? `probe-${process.pid}`;
const session = new Session();
session.connect();
let running = false;

process.on('SIGUSR2', async () => {
  try {
    if (!running) {
      running = true;
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 500 });
      await session.post('Profiler.start');
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.BENCH_PROBE_PROMOTED !== '1' });
      process.stderr.write('PROBE STARTED\n');
      return;
    }
    running = false;
    const { profile } = await session.post('Profiler.stop');
    const { profile: heap } = await session.post('HeapProfiler.stopSampling');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(heap));
    process.stderr.write('PROBE WRITTEN\n');
  } catch (err) {
    process.stderr.write(`PROBE FAILED ${err?.message ?? err}\n`);
  }
});
