import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
 * A worker thread's entry file: the TypeScript source when this code runs from src/ (tests, tsx),
 * otherwise tsc's output in dist/src/, also when this code runs from the server bundle
 * (dist/bundle/, whose chunks sit elsewhere). `rel` is relative to src/, without extension.
 */
export function workerEntry(rel: string): string {
  return import.meta.url.endsWith('.ts') ? join(projectRoot(), 'src', `${rel}.ts`) : join(projectRoot(), 'dist', 'src', `${rel}.js`);
}
