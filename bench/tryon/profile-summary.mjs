#!/usr/bin/env node
/**
 * Summarise a V8 .cpuprofile: self time by area (package, dist/ file, node internals, GC, idle)
 * and the top functions; with --jobs N, also per job (µs).
 *
 *   node bench/tryon/profile-summary.mjs bench/out/profiles/tryon-embedded-….cpuprofile [top=30] [--jobs 2000]
 *   … --inclusive 'pattern'   # inclusive (self + callees) time of functions whose name matches
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args[0];
if (!file) {
  console.error('usage: profile-summary.mjs <file.cpuprofile> [top] [--jobs N] [--inclusive regex]');
  process.exit(2);
}
const top = Number(args.find((a, i) => i > 0 && /^\d+$/.test(a) && args[i - 1] !== '--jobs') ?? 30);
const jobsIdx = args.indexOf('--jobs');
const jobs = jobsIdx >= 0 ? Number(args[jobsIdx + 1]) : undefined;
const incIdx = args.indexOf('--inclusive');
const inclusive = incIdx >= 0 ? new RegExp(args[incIdx + 1]) : undefined;

const p = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from samples and time deltas.
const self = new Map();
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const totalUs = [...self.values()].reduce((a, b) => a + b, 0);

function area(cf) {
  const url = cf.url ?? '';
  const fn = cf.functionName;
  if (fn === '(garbage collector)') return '(GC)';
  if (fn === '(idle)') return '(idle)';
  if (fn === '(program)') return '(program: native, not JS)';
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  const nm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1];
  const d = url.match(/dist\/(src|contracts)\/(.*)$/);
  if (d) return `probador: ${d[1]}/${d[2]}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  if (url.includes('/bench/')) return `bench: ${url.split('/bench/')[1]}`;
  return url;
}

const byArea = new Map();
const byFn = new Map();
for (const [id, us] of self) {
  const cf = nodes.get(id).callFrame;
  const a = area(cf);
  byArea.set(a, (byArea.get(a) ?? 0) + us);
  const key = `${cf.functionName || '(anonymous)'}  ${(cf.url ?? '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
}

const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const pct = (us) => ((100 * us) / totalUs).toFixed(1).padStart(5);
const perJob = (us) => (jobs ? `${(us / jobs).toFixed(0).padStart(7)} µs/job` : '');
console.log(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled${jobs ? `, ${jobs} jobs` : ''}`);
console.log('\nself time by area:');
for (const [a, us] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${ms(us)} ms ${pct(us)} %  ${perJob(us)}  ${a}`);
console.log('\ntop functions (self):');
for (const [f, us] of [...byFn].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${ms(us)} ms ${pct(us)} %  ${perJob(us)}  ${f}`);

if (inclusive) {
  // Inclusive time: a sample counts once for a matching frame anywhere on its stack.
  const incl = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const seen = new Set();
    for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) {
      const cf = nodes.get(id).callFrame;
      if (!inclusive.test(cf.functionName)) continue;
      const key = `${cf.functionName}  ${(cf.url ?? '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
    }
  }
  console.log(`\ninclusive time of functions matching ${inclusive}:`);
  for (const [f, us] of [...incl].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${ms(us)} ms ${pct(us)} %  ${perJob(us)}  ${f}`);
}
