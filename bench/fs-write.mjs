#!/usr/bin/env node
/**
 * CPU per blob write of the local-folder store (dist/src/platform/storage/fs-blob-store.js), side by
 * side in one run with the same atomic write through the promise API (temp file + rename, what the
 * store did before) and a bare promise `writeFile` (no atomicity), 8 writes in flight, as a worker
 * storing try-on results. CPU = this process's user + system time (thread pool included) per file.
 *
 *   npm run build && node bench/fs-write.mjs [--size 30000] [--files 2000] [--rounds 2]
 *
 * BENCH_DATA_PARENT: where the scratch folders go (default the system temp folder); on a file
 * system that just deleted many files, new files cost more for a few minutes (bench/tryon/README.md).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { fsBlobStore } = await import(join(ROOT, 'dist/src/platform/storage/fs-blob-store.js'));
const { values: f } = parseArgs({ options: { size: { type: 'string', default: '30000' }, files: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '2' } } });
const SIZE = Number(f.size);
const N = Number(f.files);
const IN_FLIGHT = 8;
const data = randomBytes(SIZE);
const base = mkdtempSync(join(process.env.BENCH_DATA_PARENT ?? tmpdir(), 'probador-fs-write-'));

const variants = {
  'fsBlobStore.put (ours)': (dir) => {
    const store = fsBlobStore(dir);
    return (k) => store.put(`results/t/${k}.jpg`, data, 'image/jpeg');
  },
  'promises, temp + rename': (dir) => {
    mkdirSync(join(dir, 'results/t'), { recursive: true });
    return async (k) => {
      const p = join(dir, `results/t/${k}.jpg`);
      const tmp = join(dir, 'results/t', `.${randomBytes(6).toString('hex')}.tmp`);
      await writeFile(tmp, data);
      await rename(tmp, p);
    };
  },
  'promises, writeFile only': (dir) => {
    mkdirSync(join(dir, 'results/t'), { recursive: true });
    return (k) => writeFile(join(dir, `results/t/${k}.jpg`), data);
  },
};

const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
try {
  for (let round = 1; round <= Number(f.rounds); round++) {
    for (const [name, make] of Object.entries(variants)) {
      const dir = join(base, `${round}-${Object.keys(variants).indexOf(name)}`);
      const write = make(dir);
      await write('warm-up');
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let i = 0;
      await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
        while (i < N) await write(`f${i++}`);
      }));
      const c = process.cpuUsage(c0);
      results[name].push({ cpu: (c.user + c.system) / N, wall: (1000 * (performance.now() - t0)) / N });
    }
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(`${N} files of ${SIZE} bytes, ${IN_FLIGHT} in flight, ${f.rounds} round(s), medians:`);
const ours = median(results['fsBlobStore.put (ours)'].map((r) => r.cpu));
for (const [name, rs] of Object.entries(results)) {
  const cpu = median(rs.map((r) => r.cpu));
  console.log(`  ${name.padEnd(26)} ${cpu.toFixed(0).padStart(4)} µs CPU/file, ${median(rs.map((r) => r.wall)).toFixed(0).padStart(4)} µs wall/file  (ours / this: ${(ours / cpu).toFixed(2)}×)`);
}
