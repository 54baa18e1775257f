/**
 * Group commit for small inserts that many concurrent requests or jobs make (usage events): a call
 * made while no write is running is written at once, alone; calls made while one is running wait
 * for it and are then written together, in one statement. Nothing is delayed on a quiet server,
 * and a busy one makes one statement per batch instead of one per call. Each caller's promise
 * settles when its own row is written (or its batch failed), so callers keep their ordering.
 */
export function groupWriter<T>(write: (items: T[]) => Promise<void>, maxBatch = 500): (item: T) => Promise<void> {
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
      if (!running) void drain();
    });
}
