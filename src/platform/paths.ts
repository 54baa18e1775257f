import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The project's root folder (where package.json is), from src/ or from dist/src/. */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.build.json')) === false) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root');
    dir = parent;
  }
  cached = dir;
  return dir;
}

/**
 * How to start a worker thread (its entry file and Node flags): the TypeScript source through tsx
 * when this code runs from src/ (tests, tsx); from the server bundle, the thread's own bundled entry
 * beside cli.js when it has one (`bundled`: an entry point of scripts/build-server.mjs); otherwise
 * tsc's output in dist/src/. `rel` is relative to src/, without extension.
 */
export function workerThread(rel: string, opts: { bundled?: boolean } = {}): { filename: string; execArgv: string[] } {
  if (import.meta.url.endsWith('.ts')) return { filename: join(projectRoot(), 'src', `${rel}.ts`), execArgv: ['--import', 'tsx'] };
  if (opts.bundled) {
    // This code is in the bundle's cli.js or in one of its chunks/: the entry sits beside cli.js.
    const dir = dirname(fileURLToPath(import.meta.url));
    const bundled = join(basename(dir) === 'chunks' ? dirname(dir) : dir, `${basename(rel)}.js`);
    if (existsSync(bundled)) return { filename: bundled, execArgv: [] };
  }
  return { filename: join(projectRoot(), 'dist', 'src', `${rel}.js`), execArgv: [] };
}
