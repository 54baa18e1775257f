/**
 * The embedded database's template: an empty, migrated data directory made once at build time
 * (`npm run build:pgdata`, scripts/build-pg-template.mjs) in dist/pgdata-template/. A first start
 * copies it into the new data directory instead of running initdb: initdb takes ~10 s here, and it
 * runs a second PostgreSQL instance whose WASM memory (~700 MB) only a thread's end gives back; a
 * copy takes a fraction of a second and opens no PostgreSQL instance. Migrations newer than the
 * template are applied after it as on any start. The template is used only with the PGlite
 * release it was made by (a PostgreSQL data directory is tied to its major version and catalog).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../paths.js';

export const TEMPLATE_DIR = 'pgdata-template';
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
 * The template data directory in `dir` (default: the project's dist/) when it was made by the
 * installed PGlite, else undefined (then a new data directory is made by initdb).
 */
export function findPgTemplate(dir = join(projectRoot(), 'dist')): string | undefined {
  const template = join(dir, TEMPLATE_DIR);
  const infoFile = join(dir, TEMPLATE_INFO);
  if (!existsSync(join(template, 'PG_VERSION')) || !existsSync(infoFile)) return undefined;
  try {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as TemplateInfo;
    return info.pglite === pgliteVersion() ? template : undefined;
  } catch {
    return undefined;
  }
}
