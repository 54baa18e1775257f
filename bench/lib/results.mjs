/**
 * bench/RESULTS.md is shared: each bench script owns one `## …` section and replaces only that,
 * re-reading the file right before writing (another bench may have written its own section
 * meanwhile). Text from the `keep` heading to the end of the old section (hand-written findings)
 * survives the new run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const HEADER = '# Benchmarks\n\nEach section is written by its own bench script, which replaces only its section. Machine and command are in each section.\n\n';
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function writeResultsSection(file, heading, section, { keep } = {}) {
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const start = doc.search(new RegExp(`^${escape(heading)}\\s*$`, 'm'));
  if (start >= 0) {
    const after = start + heading.length;
    const nextRel = doc.slice(after).search(/^## /m);
    const end = nextRel >= 0 ? after + nextRel : doc.length;
    const old = doc.slice(start, end);
    const k = keep ? old.search(new RegExp(`^${escape(keep)}`, 'm')) : -1;
    const kept = k >= 0 ? '\n' + old.slice(k).trimEnd() + '\n' : '';
    doc = doc.slice(0, start) + section.trimEnd() + '\n' + kept + (nextRel >= 0 ? '\n' + doc.slice(end) : '');
  } else {
    doc = doc.trimEnd() + '\n\n' + section.trimEnd() + '\n';
  }
  writeFileSync(file, doc);
}
