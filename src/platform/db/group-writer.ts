/**
 * Group commit for small inserts that many concurrent requests or jobs make (usage events): a call
 * made while no write is running is written at once, alone; calls made while one is running wait
 * for it and are then written together, in one statement. Nothing is delayed on a quiet server,
 * and a busy one makes one statement per batch instead of one per call. Each caller's promise
 * settles when its own row is written (or its batch failed), so callers keep their ordering.
 */
export type GroupOptions = {
  maxBatch?: number;
  /**
   * Start a batch on the next turn of the event loop instead of at once, so calls made in the same
   * turn go together. For PGlite (platform/db/client.ts `lingers`): its statements run on this
   * thread, so no call ever arrives while one runs and batches would all be of one; PostgreSQL's
   * round trip gives concurrent calls that time by itself.
   */
  linger?: boolean;
};

export function groupWriter<T>(write: (items: T[]) => Promise<void>, opts: GroupOptions = {}): (item: T) => Promise<void> {
  const maxBatch = opts.maxBatch ?? 500;
  const queue: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let running = false;

  async function drain() {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        try {
          await write(batch.map((b) => b.item));
          for (const b of batch) b.resolve();
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      running = false;
    }
  }

  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      if (opts.linger) {
        running = true;
        setImmediate(() => void drain());
      } else void drain();
    });
}

/**
 * Group commit for statements that answer each caller: like groupWriter, calls made while a batch
 * runs go together into the next one, and `run` gets the batch and returns one result per item, in
 * order. A batch of several that fails is retried one item at a time, so one bad item fails only
 * its own caller (and a batch-wide failure, such as the database being away, fails each caller
 * with its own error).
 */
export function groupBatch<T, R>(run: (items: T[]) => Promise<R[]>, opts: GroupOptions = {}): (item: T) => Promise<R> {
  const maxBatch = opts.maxBatch ?? 200;
  type Entry = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
  const queue: Entry[] = [];
  let running = false;

  const runAlone = async (e: Entry) => {
    try {
      const [r] = await run([e.item]);
      e.resolve(r as R);
    } catch (err) {
      e.reject(err);
    }
  };

  async function drain() {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        if (batch.length === 1) {
          await runAlone(batch[0]!);
          continue;
        }
        let results: R[] | undefined;
        try {
          results = await run(batch.map((b) => b.item));
          if (results.length !== batch.length) throw new Error(`groupBatch: ${results.length} results for ${batch.length} items`);
        } catch {
          results = undefined;
        }
        if (results) for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
        else for (const b of batch) await runAlone(b);
      }
    } finally {
      running = false;
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      if (opts.linger) {
        running = true;
        setImmediate(() => void drain());
      } else void drain();
    });
}
