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
  /**
   * Batches in flight at once (default 1). More lets a new batch start while another waits on its
   * round trip (a pool of database connections, a pipelined Redis connection): for a hot path whose
   * latency, not CPU, bounds its throughput. Callers' order across batches is then not kept.
   */
  concurrency?: number;
};

type Entry<T, R> = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };

/**
 * The queue both share: calls made while a batch is being settled wait and go into the next one
 * (at most `maxBatch`). `settle` does a batch's work and returns what answers its callers, which
 * runs in the same turn as the end of the drain, so a caller answered by the last batch finds
 * nothing running and its next call is written at once. With `linger`, the first call of a quiet
 * spell starts the batch on the next turn instead of at once.
 */
function grouped<T, R>(settle: (batch: Entry<T, R>[]) => Promise<() => void>, maxBatch: number, linger: boolean, concurrency = 1): (item: T) => Promise<R> {
  const queue: Entry<T, R>[] = [];
  let running = 0;
  let scheduled = false;

  async function drain() {
    running++;
    try {
      while (queue.length > 0) (await settle(queue.splice(0, maxBatch)))();
    } finally {
      running--;
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running >= concurrency || scheduled) return;
      if (linger) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          void drain();
        });
      } else void drain();
    });
}

export function groupWriter<T>(write: (items: T[]) => Promise<void>, opts: GroupOptions = {}): (item: T) => Promise<void> {
  return grouped<T, void>(
    async (batch) => {
      try {
        await write(batch.map((b) => b.item));
        return () => batch.forEach((b) => b.resolve());
      } catch (e) {
        return () => batch.forEach((b) => b.reject(e));
      }
    },
    opts.maxBatch ?? 500,
    opts.linger ?? false,
    opts.concurrency,
  );
}

/**
 * Group commit for statements that answer each caller: like groupWriter, calls made while a batch
 * runs go together into the next one, and `run` gets the batch and returns one result per item, in
 * order. A batch of several that fails is retried one item at a time, so one bad item fails only
 * its own caller (and a batch-wide failure, such as the database being away, fails each caller
 * with its own error).
 */
export function groupBatch<T, R>(run: (items: T[]) => Promise<R[]>, opts: GroupOptions = {}): (item: T) => Promise<R> {
  const runAlone = async (e: Entry<T, R>) => {
    try {
      const [r] = await run([e.item]);
      e.resolve(r as R);
    } catch (err) {
      e.reject(err);
    }
  };
  const answered = () => undefined;
  return grouped<T, R>(
    async (batch) => {
      if (batch.length === 1) {
        await runAlone(batch[0]!);
        return answered;
      }
      let results: R[] | undefined;
      try {
        results = await run(batch.map((b) => b.item));
        if (results.length !== batch.length) throw new Error(`groupBatch: ${results.length} results for ${batch.length} items`);
      } catch {
        results = undefined;
      }
      if (results) {
        const r = results;
        return () => batch.forEach((b, i) => b.resolve(r[i]!));
      }
      for (const b of batch) await runAlone(b);
      return answered;
    },
    opts.maxBatch ?? 200,
    opts.linger ?? false,
    opts.concurrency,
  );
}
