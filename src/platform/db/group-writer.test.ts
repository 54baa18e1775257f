import { describe, expect, it } from 'vitest';
import { groupBatch, groupWriter } from './group-writer.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('groupWriter', () => {
  it('writes a lone call at once, and calls made during a write together in the next one', async () => {
    const batches: number[][] = [];
    const write = groupWriter<number>(async (items) => {
      batches.push(items);
      await tick();
    });
    await write(1);
    expect(batches).toEqual([[1]]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => write(100 + i)));
    // The first of the 20 starts a write alone; the other 19 arrive while it runs.
    expect(batches.slice(1)).toEqual([[100], Array.from({ length: 19 }, (_, i) => 101 + i)]);
  });

  it('caps a batch, and a failed batch rejects its own callers only', async () => {
    const batches: number[][] = [];
    const write = groupWriter<number>(async (items) => {
      batches.push(items);
      await tick();
      if (items.includes(13)) throw new Error('bad batch');
    }, { maxBatch: 4 });
    const results = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => write(10 + i)));
    expect(batches).toEqual([[10], [11, 12, 13, 14], [15, 16, 17, 18], [19, 20]]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', ...Array(4).fill('rejected'), ...Array(6).fill('fulfilled')]);
    // And it goes on writing afterwards.
    await write(99);
    expect(batches.at(-1)).toEqual([99]);
  });
});

describe('concurrency (batches in flight at once)', () => {
  it('starts a second batch while the first waits, never more, and answers every caller', async () => {
    let inFlight = 0;
    let most = 0;
    const batches: number[][] = [];
    const run = groupBatch<number, number>(
      async (items) => {
        batches.push(items);
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
        return items.map((i) => i * 2);
      },
      { concurrency: 2 },
    );
    const out = await Promise.all(Array.from({ length: 30 }, (_, i) => run(i)));
    expect(out).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
    expect(most).toBe(2);
    // The first two calls start a batch each; the rest wait for one to finish and go together.
    expect(batches.slice(0, 2)).toEqual([[0], [1]]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(batches.length).toBeLessThan(6);
  });
});

describe('linger (PGlite: statements run on this thread)', () => {
  it('calls made in the same turn go together even when the run itself never yields', async () => {
    const batches: number[][] = [];
    // Synchronous work behind a resolved promise, as PGlite's: nothing can arrive while it runs.
    const eager = groupBatch<number, number>(async (items) => (batches.push(items), items));
    await Promise.all([1, 2, 3].map((i) => eager(i)));
    expect(batches).toEqual([[1], [2, 3]]); // the first ran alone, at once
    batches.length = 0;
    const lingering = groupBatch<number, number>(async (items) => (batches.push(items), items.map((x) => x * 10)), { linger: true });
    expect(await Promise.all([1, 2, 3].map((i) => lingering(i)))).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
    const writes: number[][] = [];
    const w = groupWriter<number>(async (items) => void writes.push(items), { linger: true });
    await Promise.all([4, 5].map((i) => w(i)));
    await w(6); // a lone call still goes (on the next turn)
    expect(writes).toEqual([[4, 5], [6]]);
  });
});

describe('groupBatch', () => {
  it('answers each caller with its own result; calls made during a run go together', async () => {
    const batches: number[][] = [];
    const double = groupBatch<number, number>(async (items) => {
      batches.push(items);
      await tick();
      return items.map((x) => 2 * x);
    });
    expect(await double(1)).toBe(2);
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => double(10 + i)));
    expect(out).toEqual(Array.from({ length: 10 }, (_, i) => 2 * (10 + i)));
    // All ten arrive while [1] is still settling (or the first of them runs alone): never one per call.
    expect(batches[0]).toEqual([1]);
    expect(batches.slice(1).flat()).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
    expect(batches.length).toBeLessThanOrEqual(3);
  });

  it('retries a failed batch one item at a time, so only the bad item fails', async () => {
    const batches: number[][] = [];
    const check = groupBatch<number, string>(async (items) => {
      batches.push(items);
      await tick();
      if (items.includes(13)) throw new Error(`bad ${items.join(',')}`);
      return items.map((x) => `ok ${x}`);
    }, { maxBatch: 4 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => check(10 + i)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['ok 10', 'ok 11', 'ok 12', 'bad 13', 'ok 14', 'ok 15']);
    // [10] alone, then [11..14] fails and is retried item by item, then [15].
    expect(batches).toEqual([[10], [11, 12, 13, 14], [11], [12], [13], [14], [15]]);
  });

  it('refuses a run that answers the wrong number of results (each item then runs alone)', async () => {
    let calls = 0;
    const f = groupBatch<number, number>(async (items) => {
      calls++;
      await tick();
      return items.length > 1 ? [0] : [items[0]!];
    });
    const out = await Promise.all([f(1), f(2), f(3)]);
    expect(out).toEqual([1, 2, 3]);
    expect(calls).toBe(4); // [1], [2,3] refused, [2], [3]
  });
});
