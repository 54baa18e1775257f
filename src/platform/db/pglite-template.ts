/**
 * The embedded database's template: an empty, migrated data directory made once at build time
 * (`npm run build:pgdata`, scripts/build-pg-template.mjs) and shipped in dist/. A first start copies
 * it into the new data directory instead of running initdb: initdb takes ~10 s here and its thread
 * peaks at ~700 MB; loading the template ~3 s and ~250 MB. Migrations newer than the template are
 * applied after it as on any start. The template is used only with the PGlite release it was made
 * by (a PostgreSQL data directory is tied to its major version and catalog).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../paths.js';

export const TEMPLATE_FILE = 'pgdata-template.tar.gz';
export const TEMPLATE_INFO = 'pgdata-template.json';

export type TemplateInfo = { pglite: string; migrations: number };

/** The installed PGlite's version (its package.json, found above its entry: the exports map hides it). */
export function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (pkg.name === '@electric-sql/pglite') return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the version of @electric-sql/pglite');
    dir = up;
  }
}

/**
 * The template in `dir` (default: the project's dist/) when it was made by the installed PGlite,
 * else undefined (then a new data directory is made by initdb).
 */
export function findPgTemplate(dir = join(projectRoot(), 'dist')): Uint8Array | undefined {
  const file = join(dir, TEMPLATE_FILE);
  const infoFile = join(dir, TEMPLATE_INFO);
  if (!existsSync(file) || !existsSync(infoFile)) return undefined;
  try {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as TemplateInfo;
    if (info.pglite !== pgliteVersion()) return undefined;
    return new Uint8Array(readFileSync(file));
  } catch {
    return undefined;
  }
}
