/**
 * The process metrics on /metrics: prom-client's default set, with the GC duration histogram only
 * when asked for (its 'gc' PerformanceObserver costs old-generation space per GC; metrics.ts).
 */
import { metricsList } from 'prom-client/lib/defaultMetrics.js';
import { describe, expect, it } from 'vitest';
import { createMetrics, processMetrics } from './metrics.js';

/** Garbage until at least one GC has run, then a turn of the event loop (GC entries are delivered on setImmediate). */
async function collectSomeGarbage() {
  let sink: unknown[] = [];
  for (let i = 0; i < 200_000; i++) sink = [i, { i }, String(i)];
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 20));
  return sink.length;
}

describe('process metrics', () => {
  it("are prom-client's default metrics, each of them", () => {
    // An upgrade of prom-client that adds or renames a default metric fails here, not silently.
    expect(Object.keys(processMetrics).sort()).toEqual([...metricsList].sort());
  });

  it('carry CPU, memory, heap, event-loop lag and handles, and no GC histogram by default', async () => {
    const { registry } = createMetrics({ defaultMetrics: true });
    await collectSomeGarbage();
    const text = await registry.metrics();
    for (const name of [
      'probador_process_cpu_user_seconds_total',
      'probador_process_resident_memory_bytes',
      'probador_process_start_time_seconds',
      'probador_nodejs_eventloop_lag_p99_seconds',
      'probador_nodejs_heap_size_used_bytes',
      'probador_nodejs_heap_space_size_used_bytes',
      'probador_nodejs_active_handles_total',
      'probador_nodejs_version_info',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? [0-9.e+-]+$`, 'm'));
    }
    expect(text).not.toContain('nodejs_gc_duration_seconds');
  });

  it('carry the GC duration histogram, fed by collections, when asked for', async () => {
    const { registry } = createMetrics({ defaultMetrics: true, gcMetrics: true });
    await collectSomeGarbage();
    const text = await registry.metrics();
    expect(text).toMatch(/^probador_nodejs_gc_duration_seconds_count\{kind="minor"\} [1-9]\d*$/m);
  });

  it('none without default metrics, whatever gcMetrics says', async () => {
    const text = await createMetrics({ defaultMetrics: false, gcMetrics: true }).registry.metrics();
    expect(text).not.toContain('probador_process_');
    expect(text).not.toContain('nodejs_gc_duration_seconds');
  });
});
