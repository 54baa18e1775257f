#!/usr/bin/env node
/**
 * Summarise a V8 profile: self time (.cpuprofile, from bench/lib/probe.mjs or `node --cpu-prof`)
 * or bytes allocated (.heapprofile, from bench/lib/probe.mjs), by package and by function.
 *   node bench/lib/profile-summary.mjs FILE.cpuprofile|FILE.heapprofile [top=30] [--requests N]
 * With --requests N (requests served while profiling), also per request.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { requests: { type: 'string' } } });
const [file, topArg] = positionals;
if (!file) {
  console.error('usage: node bench/lib/profile-summary.mjs FILE.cpuprofile|FILE.heapprofile [top] [--requests N]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const requests = values.requests ? Number(values.requests) : undefined;
const prof = JSON.parse(readFileSync(file, 'utf8'));

/** Where a frame comes from: a package, a Probador file, a node: module or the VM. */
function where(cf) {
  const url = cf.url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const src = /\/dist(?:-\d+)?\/src\//.exec(url); // dist/ or the bench's copy of it
  if (src) return 'probador:' + url.slice(src.index + src[0].length);
  if (url.includes('/bench/')) return 'bench:' + url.slice(url.indexOf('/bench/') + 7);
  return url || '(native/vm)';
}
const pkgOf = (cf) => {
  if (!cf.url) return cf.functionName.startsWith('(') ? cf.functionName : '(native)';
  const w = where(cf);
  return w.startsWith('probador:') ? 'probador' : w.startsWith('bench:') ? 'bench' : w;
};
const fnOf = (cf) => `${cf.functionName || '(anonymous)'}  ${where(cf)}:${cf.lineNumber + 1}`;

function print(title, unit, byPkg, byFn, total) {
  const pct = (v) => ((100 * v) / total).toFixed(1).padStart(5) + '%';
  const per = (v) => (requests ? `  ${unit(v / requests).padStart(9)}/req` : '');
  console.log(`${file}: ${title}${requests ? ` over ${requests} requests (${unit(total / requests)} per request)` : ''}\n\nby package/file:`);
  for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}${per(v)}  ${k}`);
  console.log('\nby function (self):');
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}${per(v)}  ${k}`);
}

const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);

if (prof.samples && prof.timeDeltas) {
  // CPU profile: nodes[] with callFrame, samples[] of node ids, timeDeltas[] in µs.
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const byPkg = new Map();
  const byFn = new Map();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const cf = byId.get(prof.samples[i]).callFrame;
    const d = prof.timeDeltas[i] ?? 0;
    total += d;
    add(byPkg, pkgOf(cf), d);
    add(byFn, fnOf(cf), d);
  }
  const idle = byPkg.get('(idle)') ?? 0;
  const us = (v) => (v >= 1e5 ? `${(v / 1e6).toFixed(2)} s` : `${v.toFixed(1)} µs`);
  print(`${us(total)} sampled, ${((100 * (total - idle)) / total).toFixed(0)}% busy`, us, byPkg, byFn, total);
} else if (prof.head) {
  // Sampling heap profile: a tree of { callFrame, selfSize, children }.
  const byPkg = new Map();
  const byFn = new Map();
  let total = 0;
  const walk = (n) => {
    if (n.selfSize) {
      total += n.selfSize;
      add(byPkg, pkgOf(n.callFrame), n.selfSize);
      add(byFn, fnOf(n.callFrame), n.selfSize);
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(prof.head);
  const bytes = (v) => (v >= 1e6 ? `${(v / 2 ** 20).toFixed(1)} MB` : `${(v / 1024).toFixed(1)} KB`);
  print(`${bytes(total)} allocated (sampled estimate)`, bytes, byPkg, byFn, total);
} else {
  console.error('not a .cpuprofile or .heapprofile');
  process.exit(2);
}
