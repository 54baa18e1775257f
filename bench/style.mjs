/**
 * Style bench: the offline analysis of a 1024 px selfie as the API runs it after intake —
 * perception at the `mesh` level (face mesh + iris, no body, no age) in the worker thread, the
 * selfie decoded with sharp, the analyser (white balance, sampling, colour, quality, face shape)
 * on the calling thread — beside the perception run alone at the same level (the ratio), and the
 * analyser's own parts.
 *
 *   npm run bench:style                  # writes the "## Style" section of bench/RESULTS.md
 *   BENCH_QUICK=1 npm run bench:style    # fewer runs, prints only
 *
 * Runs the TypeScript sources through tsx, one perception worker thread, the whole process pinned
 * to one core (taskset; BENCH_PIN=0 to unpin) and sharp limited to one thread: "one core".
 */
import { pct } from './lib/util.mjs';
import { writeResultsSection } from './lib/results.mjs';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createPerceptionPool } from '../src/modules/perception/pool.ts';
import { decodeSelfie } from '../src/modules/style/analyser/decode.ts';
import { analyseLocal } from '../src/modules/style/analyser/local.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(BENCH_DIR, 'RESULTS.md');
const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 8 : 40;
const WARM = QUICK ? 3 : 6;
const log = (...a) => console.log('[bench:style]', ...a);

const PINNED = process.platform === 'linux' && process.env.BENCH_PIN !== '0';
if (PINNED) execFileSync('taskset', ['-apc', '0', String(process.pid)], { stdio: 'ignore' });
sharp.concurrency(1);

const fixture = readFileSync(join(BENCH_DIR, '../test/fixtures/astronaut.png'));
// Four different 1024 px selfies as the intake stores them (JPEG, quality 90).
const photos = await Promise.all([
  sharp(fixture).resize(1024).jpeg({ quality: 90 }).toBuffer(),
  sharp(fixture).resize(1024).flop().jpeg({ quality: 90 }).toBuffer(),
  sharp(fixture).resize(1024).modulate({ brightness: 1.05 }).jpeg({ quality: 90 }).toBuffer(),
  sharp(fixture).resize(1024).modulate({ saturation: 0.9 }).jpeg({ quality: 90 }).toBuffer(),
]);

const median = (xs) => pct(xs, 50);
const f1 = (v) => v.toFixed(1);
async function time(fn, n) {
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    ts.push(performance.now() - t0);
  }
  return ts;
}

const load0 = loadavg()[0];
log(`cores ${cpus().length}, load ${load0.toFixed(2)}, N=${N}, pinned ${PINNED}`);
const pool = await createPerceptionPool(1);
const status = await pool.warm();
if (!status.ok) {
  console.error('models did not load:', status.error);
  process.exit(1);
}
const analysis = async (i) => {
  const bytes = photos[i % 4];
  const perception = await pool.analyze(bytes, undefined, 'mesh');
  return analyseLocal({ bytes, ...(await decodeSelfie(bytes)), perception, kinds: ['face', 'color'] });
};
// Warm both paths, then alternate them so the machine's load falls on both alike.
await time(analysis, WARM);
await time((i) => pool.analyze(photos[i % 4], undefined, 'mesh'), WARM);
const full = [];
const perceptionOnly = [];
for (let i = 0; i < N; i++) {
  full.push(...(await time(() => analysis(i), 1)));
  perceptionOnly.push(...(await time(() => pool.analyze(photos[i % 4], undefined, 'mesh'), 1)));
}
// The parts after perception: decoding for sampling, and the analyser itself.
const perceptions = await Promise.all(photos.map((b) => pool.analyze(b, undefined, 'mesh')));
const decodes = await time((i) => decodeSelfie(photos[i % 4]), N);
const decoded = await Promise.all(photos.map((b) => decodeSelfie(b)));
const analyser = await time((i) => analyseLocal({ bytes: photos[i % 4], ...decoded[i % 4], perception: perceptions[i % 4], kinds: ['face', 'color'] }), N);
await pool.close();

const ratio = median(full) / median(perceptionOnly);
log(`offline analysis: median ${f1(median(full))} ms, p95 ${f1(pct(full, 95))} ms`);
log(`perception alone (mesh): median ${f1(median(perceptionOnly))} ms, p95 ${f1(pct(perceptionOnly, 95))} ms; ratio ${ratio.toFixed(2)}`);
log(`decode for sampling: median ${f1(median(decodes))} ms; analyser: median ${f1(median(analyser))} ms, p95 ${f1(pct(analyser, 95))} ms`);

if (!QUICK) {
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const section = `## Style

\`npm run bench:style\` (bench/style.mjs), ${when} UTC: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${load0.toFixed(2)} at start, ${PINNED ? 'the process pinned to one core' : 'not pinned'}, sharp on one thread, ${N} runs each after ${WARM} warm-up runs, four different 1024 px JPEG selfies (the portrait fixture and three variants).

| step | median | p95 |
|---|---|---|
| offline analysis (perception \`mesh\` + decode + analyser) | **${f1(median(full))} ms** | ${f1(pct(full, 95))} ms |
| perception alone at the same level | ${f1(median(perceptionOnly))} ms | ${f1(pct(perceptionOnly, 95))} ms |
| ratio analysis / perception | **${ratio.toFixed(2)}** | |
| decode for sampling (sharp, ≤ 1024 px raw sRGB) | ${f1(median(decodes))} ms | ${f1(pct(decodes, 95))} ms |
| analyser (white balance, sampling, colour, quality, face shape) | ${f1(median(analyser))} ms | ${f1(pct(analyser, 95))} ms |

Goal: ≤ 150 ms median for the offline analysis on one core — ${median(full) <= 150 ? 'met' : `**not met** on this run (${f1(median(full))} ms)`}. The analysis and perception runs alternate, so load from other processes falls on both alike; the ratio is the figure that travels between machines. Not included: the intake (sniffing, EXIF strip, JPEG re-encode, storing the selfie) and the database row, which a cached repeat also pays.
`;
  writeResultsSection(RESULTS, '## Style', section);
  log('wrote the Style section of bench/RESULTS.md');
}
