import { describe, expect, it } from 'vitest';
import { groupWriter } from './group-writer.js';

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
    }, 4);
    const results = await Promise.allSettled(Array.from({ length: 11 }, (_, i) => write(10 + i)));
    expect(batches).toEqual([[10], [11, 12, 13, 14], [15, 16, 17, 18], [19, 20]]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', ...Array(4).fill('rejected'), ...Array(6).fill('fulfilled')]);
    // And it goes on writing afterwards.
    await write(99);
    expect(batches.at(-1)).toEqual([99]);
  });
});
