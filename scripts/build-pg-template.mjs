/**
 * Makes the embedded database's template (src/platform/db/pglite-template.ts): PGlite on a new
 * dist/pgdata-template/ directory, every migration applied, closed cleanly; its PGlite version and
 * migration count in dist/pgdata-template.json. Run by `npm run build` (after tsc) as
 * `npm run build:pgdata`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(ROOT, 'dist');
const { openPgliteEngine } = await import(pathToFileURL(join(dist, 'src/platform/db/pglite-fast.js')).href);
const { TEMPLATE_DIR, TEMPLATE_INFO, pgliteVersion } = await import(pathToFileURL(join(dist, 'src/platform/db/pglite-template.js')).href);

const migrations = JSON.parse(readFileSync(join(ROOT, 'migrations/meta/_journal.json'), 'utf8')).entries.length;
const dir = join(dist, TEMPLATE_DIR);
rmSync(join(dist, TEMPLATE_INFO), { force: true });
rmSync(dir, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const engine = await openPgliteEngine({ dataDir: dir });
try {
  await engine.migrate(join(ROOT, 'migrations'));
} finally {
  await engine.close();
}
// Written last: a build stopped half-way leaves no template that looks finished.
writeFileSync(join(dist, TEMPLATE_INFO), `${JSON.stringify({ pglite: pgliteVersion(), migrations }, null, 2)}\n`);
console.log(`dist/${TEMPLATE_DIR}/: ${migrations} migrations, PGlite ${pgliteVersion()}`);
