/**
 * Makes the embedded database's template (src/platform/db/pglite-template.ts): a new in-memory
 * PGlite, every migration applied, dumped to dist/pgdata-template.tar.gz with its PGlite version in
 * dist/pgdata-template.json. Run by `npm run build` (after tsc) as `npm run build:pgdata`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(ROOT, 'dist');
const { openPgliteEngine } = await import(pathToFileURL(join(dist, 'src/platform/db/pglite-fast.js')).href);
const { TEMPLATE_FILE, TEMPLATE_INFO, pgliteVersion } = await import(pathToFileURL(join(dist, 'src/platform/db/pglite-template.js')).href);

const migrations = JSON.parse(readFileSync(join(ROOT, 'migrations/meta/_journal.json'), 'utf8')).entries.length;
const engine = await openPgliteEngine({});
try {
  await engine.migrate(join(ROOT, 'migrations'));
  const dump = Buffer.from(await (await engine.dump()).arrayBuffer());
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, TEMPLATE_FILE), dump);
  writeFileSync(join(dist, TEMPLATE_INFO), `${JSON.stringify({ pglite: pgliteVersion(), migrations }, null, 2)}\n`);
  console.log(`dist/${TEMPLATE_FILE}: ${(dump.length / 1024 / 1024).toFixed(1)} MB, ${migrations} migrations, PGlite ${pgliteVersion()}`);
} finally {
  await engine.close();
}
