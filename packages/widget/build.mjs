/**
 * Builds `@probador/widget` (packages/widget) into dist/:
 * - dist/index.js — the ES module (`mount`, types), minified, from src/index.ts;
 * - dist/*.d.ts — its declarations (`tsc -p tsconfig.build.json`, declarations only);
 * - dist/widget.js — the script-tag IIFE the server serves, from src/script-tag.ts (a thin wrapper over the ES module).
 * The package's version is set to the server's (root package.json). Files are written beside their
 * place and renamed into it, so a test building while another reads never sees half a file.
 * `node packages/widget/build.mjs` or `npm run build:widget`; `buildWidget()` is also imported by
 * the browser tests so they always run the current source.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const DIST = join(here, 'dist');
export const WIDGET_DIR = here;
export const WIDGET_OUT = join(DIST, 'widget.js');
export const WIDGET_ESM = join(DIST, 'index.js');
export const WIDGET_TYPES = join(DIST, 'index.d.ts');
const TARGET = ['es2020', 'chrome90', 'firefox90', 'safari15'];

/** The server's version, which the package carries (package.json, and VERSION in the code). */
function syncVersion() {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const pkgPath = join(here, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  if (pkg.version !== version) writeFileSync(pkgPath, `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  return version;
}

function writeAtomic(file, bytes) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

async function bundle(entry, out, format, minify, version) {
  const r = await build({
    entryPoints: [join(here, 'src', entry)],
    outfile: out,
    bundle: true,
    format,
    target: TARGET,
    minify,
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'warning',
    write: false,
    define: { __PROBADOR_WIDGET_VERSION__: JSON.stringify(version) },
  });
  const code = r.outputFiles[0].contents;
  writeAtomic(out, code);
  return { file: out, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

/** dist/*.d.ts: tsc into a scratch folder, then each file renamed into dist/. */
function declarations() {
  const tmp = mkdtempSync(join(DIST, '.types-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.build.json'), '--outDir', tmp], { stdio: 'inherit' });
    const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
    for (const f of walk(tmp)) writeAtomic(join(DIST, relative(tmp, f)), readFileSync(f));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Builds the IIFE and the ES module, and the declarations unless `types: false`. Returns the IIFE's sizes (and the ES module's as `esm`). */
export async function buildWidget({ minify = true, types = true } = {}) {
  mkdirSync(DIST, { recursive: true });
  const version = syncVersion();
  const [iife, esm] = await Promise.all([bundle('script-tag.ts', WIDGET_OUT, 'iife', minify, version), bundle('index.ts', WIDGET_ESM, 'esm', minify, version)]);
  if (types) declarations();
  return { ...iife, esm, version };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildWidget();
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  console.log(`@probador/widget ${r.version}:`);
  console.log(`  ${relative(process.cwd(), r.file)} (IIFE) ${kb(r.bytes)} raw, ${kb(r.gzipBytes)} gzip`);
  console.log(`  ${relative(process.cwd(), r.esm.file)} (ES module) ${kb(r.esm.bytes)} raw, ${kb(r.esm.gzipBytes)} gzip`);
  console.log(`  ${relative(process.cwd(), WIDGET_TYPES)} (+ declarations)`);
}
