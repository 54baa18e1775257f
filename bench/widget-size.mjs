/**
 * Widget bundle size: raw, gzip -9 and brotli -11 of packages/widget/dist/widget.js as shipped, against
 * the 25 kB gzip budget (as a ratio), with a per-source-file breakdown (esbuild metafile) and, for
 * scale, Preact's own runtime. Writes the "## Widget" section of bench/RESULTS.md.
 *   node bench/widget-size.mjs            # build, measure, write the section
 *   node bench/widget-size.mjs --no-write
 */
import { writeResultsSection } from './lib/results.mjs';
import { build, transform } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildWidget } from '../packages/widget/build.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'RESULTS.md');
const SECTION = '## Widget';
const BUDGET_GZIP = 25 * 1024;

const sizes = (buf) => ({ raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length, br: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length });
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

const shipped = await buildWidget();
const bundle = sizes(readFileSync(shipped.file));

// Which source files the bytes come from (minified output bytes per input).
const meta = await build({ entryPoints: [join(ROOT, 'packages/widget/src/script-tag.ts')], bundle: true, format: 'iife', target: ['es2020'], minify: true, write: false, metafile: true, legalComments: 'none', define: { __PROBADOR_WIDGET_VERSION__: '"0"' } });
const inputs = Object.values(meta.metafile.outputs)[0].inputs;
const parts = Object.entries(inputs)
  .map(([file, v]) => ({ file: relative(ROOT, join(ROOT, file)), bytes: v.bytesInOutput }))
  .sort((a, b) => b.bytes - a.bytes);

const preactFile = join(ROOT, 'node_modules/preact/dist/preact.mjs');
const preact = existsSync(preactFile) ? sizes(Buffer.from((await transform(readFileSync(preactFile, 'utf8'), { minify: true, format: 'esm', target: 'es2020' })).code)) : undefined;

const lines = [
  SECTION,
  '',
  `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · Command: \`node bench/widget-size.mjs\` (esbuild, minified IIFE, target es2020)`,
  `- What a shopper's browser downloads: \`/widget/widget.<hash>.js\` (served brotli or gzip by Accept-Encoding, cached a year, immutable).`,
  '',
  '| file | raw | gzip -9 | brotli -11 | gzip / 25 kB budget |',
  '|---|---:|---:|---:|---:|',
  `| **widget.js** (framework-free, Shadow DOM, en + es) | ${kb(bundle.raw)} | **${kb(bundle.gzip)}** | ${kb(bundle.br)} | **${(bundle.gzip / BUDGET_GZIP).toFixed(2)}×** |`,
  ...(preact ? [`| for scale: Preact 11 runtime alone (preact.mjs, minified) | ${kb(preact.raw)} | ${kb(preact.gzip)} | ${kb(preact.br)} | ${(preact.gzip / BUDGET_GZIP).toFixed(2)}× |`] : []),
  '',
  'Minified bytes by source file:',
  '',
  '| source | bytes |',
  '|---|---:|',
  ...parts.map((p) => `| ${p.file} | ${p.bytes.toLocaleString('en')} |`),
  '',
];
const section = lines.join('\n');
console.log(section);

if (!process.argv.includes('--no-write')) {
  writeResultsSection(RESULTS, SECTION, section);
  console.log(`wrote ${relative(ROOT, RESULTS)} (section "${SECTION}")`);
}
