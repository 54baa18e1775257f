/**
 * The worker threads that run perception (piscina): a fixed number of threads (default 1), each
 * with the models loaded once and kept warm; tasks wait in piscina's queue, so the API's event loop
 * never runs a model. From src/ (tests, tsx) the worker is the .ts file loaded through tsx; from
 * dist/ it is the compiled .js.
 */
import { workerThread } from '../../platform/paths.js';
import type { Analysis, AnalysisLevel } from './types.js';
import type { WorkerStatus, WorkerTask } from './worker.js';

export type PerceptionPool = {
  analyze: (image: Buffer, signal?: AbortSignal, level?: AnalysisLevel) => Promise<Analysis>;
  /** Starts the threads and waits until the models are loaded (or failed). */
  warm: () => Promise<WorkerStatus>;
  /** Heap and RSS of every worker thread (process.memoryUsage inside each; RSS is per process). */
  memory: () => Promise<NodeJS.MemoryUsage[]>;
  threads: number;
  close: () => Promise<void>;
};

/** piscina is imported here, on the first photo check, not when the server starts. */
export async function createPerceptionPool(threads: number): Promise<PerceptionPool> {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({
    ...workerThread('modules/perception/worker'),
    minThreads: threads,
    maxThreads: threads,
    // Models stay loaded: threads are never retired for idleness.
    idleTimeout: Number.POSITIVE_INFINITY,
    concurrentTasksPerWorker: 1,
    maxQueue: Math.max(16, threads * 32),
  });
  const run = <T>(task: WorkerTask, signal?: AbortSignal) => pool.run(task, signal ? { signal } : {}) as Promise<T>;

  return {
    threads,
    analyze: (image, signal, level = 'full') => {
      // A copy the worker owns (transferred, not cloned); the caller's buffer stays usable.
      const copy = new Uint8Array(image.length);
      copy.set(image);
      return pool.run({ op: 'analyze', image: copy, level } satisfies WorkerTask, { transferList: [copy.buffer], ...(signal ? { signal } : {}) }) as Promise<Analysis>;
    },
    warm: async () => {
      const all = await Promise.all(Array.from({ length: threads }, () => run<WorkerStatus>({ op: 'status' })));
      return all.find((s) => !s.ok) ?? all[0]!;
    },
    memory: () => Promise.all(Array.from({ length: threads }, () => run<NodeJS.MemoryUsage>({ op: 'memory' }))),
    close: () => pool.destroy(),
  };
}
