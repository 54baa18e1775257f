/**
 * Builds the server bundle that `npm start` and the `probador` bin run: src/cli.ts → dist/bundle/cli.js
 * (ESM, minified except identifiers), with code splitting so that what the source loads on first use
 * (`await import(...)`: the S3 driver, the image pipeline, PGlite, the migrator, perception) stays in
 * chunks loaded on first use.
 *
 * Why a bundle: an API node otherwise loads ~900 ES and CommonJS modules (TypeBox alone is 680 files).
 * V8 keeps every module's source text, record and scope data; one minified module graph keeps ~8 MB
 * less of old space (docs/architecture.md, "Memory"). The tests run the TypeScript source; the
 * bundle's own test (test/bundle.test.ts) builds it and runs it as a server.
 *
 * `node scripts/build-server.mjs [outdir]` or `npm run build:server`; `buildServer()` is imported by
 * that test.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { rmSync } from 'node:fs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_DIR = join(ROOT, 'dist', 'bundle');

/**
 * Loaded from node_modules as they are, not bundled:
 * - native addons and packages that read their own files at run time (WASM, models, Lua scripts,
 *   static assets, worker files): sharp, argon2, PGlite, Human, BullMQ, piscina, the Swagger UI;
 * - the AWS SDK: large, and loaded only when S3 is configured;
 * - pg-native: pg's optional native driver, not installed.
 */
export const EXTERNAL = [
  'sharp',
  '@node-rs/argon2',
  '@electric-sql/pglite',
  '@vladmandic/human',
  'bullmq',
  'piscina',
  '@fastify/swagger-ui',
  '@fastify/static',
  '@aws-sdk/*',
  'pg-native',
];

export async function buildServer({ outdir = BUNDLE_DIR } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    // The embedded database's thread (src/platform/db/pglite-thread.ts) is an entry of its own,
    // started from dist/bundle/pglite-thread.js (platform/paths.ts `workerThread`).
    entryPoints: [join(ROOT, 'src', 'cli.ts'), { in: join(ROOT, 'src', 'platform', 'db', 'pglite-thread.ts'), out: 'pglite-thread' }],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Whitespace and syntax only: identifiers are not renamed, so class and function names (error
    // types in logs, `constructor.name`) stay without esbuild's keepNames, whose __name() call on
    // every function created (closures on the request path too) cost ~50 % more CPU per request.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    sourcemap: 'linked',
    legalComments: 'none',
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL,
    // Bundled CommonJS code calls require() for Node's built-ins.
    banner: { js: "import { createRequire as __probadorRequire } from 'node:module'; const require = __probadorRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
  });
  return { outdir, entry: join(outdir, 'cli.js'), metafile: result.metafile };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { entry, metafile } = await buildServer(process.argv[2] ? { outdir: resolve(process.argv[2]) } : {});
  const js = Object.entries(metafile.outputs).filter(([f]) => f.endsWith('.js'));
  const bytes = js.reduce((n, [, o]) => n + o.bytes, 0);
  console.log(`server bundle: ${entry} (${(bytes / 1024).toFixed(0)} KiB of JavaScript in ${js.length} files)`);
}
