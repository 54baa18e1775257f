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
 * How to start a worker thread (its entry file and Node flags): the TypeScript source through tsx
 * when this code runs from src/ (tests, tsx), otherwise tsc's output in dist/src/, also when this
 * code runs from the server bundle (dist/bundle/, whose chunks sit elsewhere). `rel` is relative to
 * src/, without extension.
 */
export function workerThread(rel: string): { filename: string; execArgv: string[] } {
  return import.meta.url.endsWith('.ts')
    ? { filename: join(projectRoot(), 'src', `${rel}.ts`), execArgv: ['--import', 'tsx'] }
    : { filename: join(projectRoot(), 'dist', 'src', `${rel}.js`), execArgv: [] };
}
