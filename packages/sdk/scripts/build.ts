/**
 * `npm run build:sdk`: the server's OpenAPI document, made in-process (the app built on a
 * throw-away embedded database, never listening), → src/schema.ts and src/version.ts → the
 * package's version set to the server's → tsc → dist/ (ES modules + declarations).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSchema, generateVersion } from './generate.js';

const SDK = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(SDK, '../..');

/** The document /openapi.json serves, from an app that is built but never listens. */
export async function serverDocument(): Promise<unknown> {
  const { loadConfig } = await import('../../../src/config.js');
  const { createDeps } = await import('../../../src/deps.js');
  const { buildApp } = await import('../../../src/app.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'probador-sdk-'));
  try {
    const config = loadConfig({
      PROBADOR_DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      PROBADOR_SEED_DEMO: 'false',
      PROBADOR_PERCEPTION_THREADS: '0',
      PROBADOR_LOCAL_ENGINE_THREADS: '0',
      PROBADOR_PRECHECK_DEFAULT: 'off',
    });
    const deps = await createDeps(config, { migrate: false, defaultMetrics: false });
    try {
      const { app } = await buildApp(deps);
      await app.ready();
      const doc = app.swagger();
      await app.close();
      return doc;
    } finally {
      await deps.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const document = await serverDocument();
  writeFileSync(join(SDK, 'src/schema.ts'), await generateSchema(document));
  writeFileSync(join(SDK, 'src/version.ts'), generateVersion(version));
  const pkgPath = join(SDK, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string };
  if (pkg.version !== version) writeFileSync(pkgPath, `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  rmSync(join(SDK, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(SDK, 'tsconfig.json')], { stdio: 'inherit' });
  console.log(`@probador/sdk ${version}: src/schema.ts, src/version.ts, dist/`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
