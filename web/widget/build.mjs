/**
 * Builds the embeddable widget: web/widget/src/index.ts → web/widget/dist/widget.js (one IIFE,
 * minified, ES2020 for current browsers). `node web/widget/build.mjs` or `npm run build:widget`;
 * `buildWidget()` is also imported by the browser tests so they always run the current source.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const WIDGET_OUT = join(here, 'dist', 'widget.js');

export async function buildWidget({ minify = true } = {}) {
  await build({
    entryPoints: [join(here, 'src', 'index.ts')],
    outfile: WIDGET_OUT,
    bundle: true,
    format: 'iife',
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    minify,
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'warning',
  });
  const raw = readFileSync(WIDGET_OUT);
  return { file: WIDGET_OUT, bytes: raw.length, gzipBytes: gzipSync(raw, { level: 9 }).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await buildWidget();
  console.log(`widget: ${r.file} ${(r.bytes / 1024).toFixed(1)} kB raw, ${(r.gzipBytes / 1024).toFixed(1)} kB gzip`);
}
