/** The markdown section bench/commerce.mjs writes into bench/RESULTS.md: figures, goals and method. */
import { cpus, totalmem } from 'node:os';
import { median } from '../lib/util.mjs';

export const SECTION = '## Commerce: WhatsApp inbound (issue 22)';
export const KEPT = '### Analysis (kept across runs)';

const f0 = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const mb = (kb) => (Number.isFinite(kb) ? `${Math.round(kb / 1024)} MB` : '–');
const mb1 = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MB` : '–');
const range = (xs, fmt) => (xs.length > 1 ? ` (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : '');
const verdict = (ok) => (ok ? '**PASS**' : '**MISS**');

function ackCell(a) {
  if (!a) return 'not run';
  const [o, n] = a.servers;
  return `${verdict(a.ratio >= 0.5)} ${f2(a.ratio)}× (${f0(median(o.peaks.map((p) => p.rps)))} / ${f0(median(n.peaks.map((p) => p.rps)))} req/s)`;
}

export function report(r, S, meta) {
  const L = [];
  const c = cpus();
  const ackE = r.ack.embedded;
  const ackP = r.ack.postgres;
  const g3 = r.load?.sustained;
  const g4 = r.memory;
  L.push(SECTION, '');
  if (meta.invalid) L.push(`> **INVALID RUN**: ${meta.invalid}`, '');
  L.push(`- Date: ${meta.date} UTC (took ${Math.round(meta.tookS)} s). Build: the bench's own bundle of src/ at ${meta.commit} (see Method).`);
  L.push(
    `- Machine: ${c.length} cores (${c[0]?.model.trim() ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}` +
      `${meta.postgres ? `, PostgreSQL ${meta.postgres} (autovacuum ${meta.autovacuum})` : ''}${meta.redis ? `, Redis ${meta.redis}` : ''}, all on localhost; shared with other engineers' work: ` +
      `other processes used ${f0(meta.othersMin)}–${f0(meta.othersMax)} % of the 2 cores during the measured runs (1-min load average ${f1(meta.load0)} at the start, ${f1(meta.load1)} at the end).`,
  );
  L.push(`- Command: \`npm run bench:commerce\`${S.quick ? ' (BENCH_QUICK=1)' : ''} — goal 1: ${S.rounds} round(s) of ${S.duration} s per server after ${S.warmup} s of warm-up, ${S.connections} connections; goal 2: ${S.replyN} messages after ${S.replyWarm}; goal 3: ${S.bots} bots × 10 conversations, ${S.rate}/s for ${S.loadS} s, then a ${S.floodS} s flood; goal 4: ${S.memBots} bots, ${S.memRate} webhooks/s + list reads for ${S.memS} s.`);
  L.push('');
  L.push('| goal (issue 22) | embedded (PGlite) | PostgreSQL + Redis |', '|---|---|---|');
  L.push(`| 1. signed Meta webhook acknowledged, peak req/s / bare node:http (goal ≥ 0.5×) | ${ackCell(ackE)} | ${ackCell(ackP)} |`);
  const rep = (x) => (x ? `p95 **${f1(x.enqueued.p95)} ms** (p50 ${f1(x.enqueued.p50)}, max ${f1(x.enqueued.max)})` : 'not run');
  L.push(`| 2. inbound → reply enqueued through the simulator, one at a time | ${rep(r.reply.embedded)} | ${rep(r.reply.postgres)} |`);
  const kept = (x) => x.processedPerS >= 0.97 * x.offered && x.backlog <= x.offered * 2;
  L.push(`| 3. 100 bots × 10 conversations, messages/s end to end, 2 workers (goal ≥ 1,000/s) | – | ${g3 ? `${verdict(g3.offered >= 1000 && kept(g3))} **${f0(g3.processedPerS)}/s** sustained (offered ${f0(g3.offered)}/s${kept(g3) ? ', kept up' : ', not kept up'}); capacity ${f0(r.load.flood.processedPerS)}/s` : 'not run'} |`);
  L.push(`| 4. API node RSS, ${f0(g4?.bots)} bots, ${f0(g4?.openConversations)} open conversations, a little traffic (goal < 100 MB) | – | ${g4 ? `${verdict(Math.max(g4.hwmKb, g4.maxKb) < 100 * 1024)} VmHWM ${mb1(g4.hwmKb)}, max under traffic ${mb1(g4.maxKb)}` : 'not run'} |`);
  L.push('');
  L.push('### 1. Webhook acknowledged: Probador beside bare node:http', '');
  L.push('| mode | server | peak req/s, median (min–max) | server CPU per request | p50 / p99 at peak (ms) | VmHWM | non-2xx / errors |', '|---|---|---:|---:|---:|---:|---:|');
  for (const a of [ackE, ackP].filter(Boolean)) {
    for (const s of a.servers) {
      const rps = s.peaks.map((p) => p.rps);
      L.push(`| ${a.mode} | ${s.name} | ${f0(median(rps))}${range(rps, f0)} | ${f0(median(s.peaks.map((p) => p.cpuUs)))} µs | ${f2(median(s.peaks.map((p) => p.p50)))} / ${f2(median(s.peaks.map((p) => p.p99)))} | ${mb(s.hwmKb)} | ${s.faults} |`);
    }
  }
  L.push('');
  L.push('### 2. Inbound → reply enqueued (simulator, away message), ms from the POST', '');
  L.push('| mode | POST answered 202: p50 / p95 | inbound message row: p50 / p95 | **reply enqueued**: p50 / p95 / max | reply sent by the send job: p50 / p95 |', '|---|---:|---:|---:|---:|');
  for (const [mode, x] of Object.entries(r.reply)) {
    if (!x) continue;
    L.push(`| ${mode} | ${f1(x.answered.p50)} / ${f1(x.answered.p95)} | ${f1(x.inbound.p50)} / ${f1(x.inbound.p95)} | ${f1(x.enqueued.p50)} / **${f1(x.enqueued.p95)}** / ${f1(x.enqueued.max)} | ${f1(x.sent.p50)} / ${f1(x.sent.p95)}${x.notSent ? ` (${x.notSent} not seen)` : ''} |`);
  }
  L.push('');
  if (r.load) {
    L.push(`### 3. End to end, PostgreSQL + Redis + BullMQ, API node + 2 workers (${r.load.bots} bots, ${r.load.conversations} conversations; ${r.load.warm} warm-up messages first)`, '');
    L.push('| load | acked/s | processed/s over the run (per second: median, min) | backlog at the end, drained in | webhook p50 / p99 (ms) | CPU ms per message: API, workers, PostgreSQL, Redis | PostgreSQL transactions / rows inserted / updated per message | other work on the machine | faults |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of [r.load.flood, r.load.sustained]) {
      L.push(`| ${x.label} | ${f0(x.ackedPerS)} | **${f0(x.processedPerS)}** (${f0(x.secondMedian)}, ${f0(x.secondMin)}) | ${f0(x.backlog)}, ${f1(x.drainS)} s | ${f1(x.ackP50)} / ${f1(x.ackP99)} | ${f2(x.cpuMsPerMsg.api)}, ${f2(x.cpuMsPerMsg.workers)}, ${f2(x.cpuMsPerMsg.pg)}, ${f2(x.cpuMsPerMsg.redis)} | ${f1(x.perMsg.transactions)} / ${f1(x.perMsg.inserted)} / ${f1(x.perMsg.updated)} | ${f0(x.othersPct)} % | ${x.bad} |`);
    }
    L.push('');
  }
  if (g4) {
    L.push('### 4. API node memory (PostgreSQL + Redis, `--role api`)', '');
    L.push(
      `The database: ${f0(g4.bots)} bots with a Meta connection each, ${f0(g4.openConversations)} open conversations, ${f0(g4.inbound)} inbound messages. A fresh API node on it: VmRSS ${mb(g4.settledKb)} settled after start-up (VmHWM ${mb(g4.startupHwmKb)}); ` +
        `under ${g4.memRate} webhooks/s spread over all ${f0(g4.bots)} connections and their conversations plus ${f0(g4.reads)} list reads (conversations by bot, waiting conversations, bots) in ${g4.memS} s: **VmRSS max ${mb1(g4.maxKb)}, VmHWM ${mb1(g4.hwmKb)}**, ${mb(g4.endKb)} at the end. ` +
        `${ackP?.startRssKb ? `For comparison, the API node of goal 1 right after its start on a database with one tenant: VmRSS ${mb(ackP.startRssKb)}. ` : ''}The API node that served the seeding (1,000 bots created, ${f0(g4.bots * 10)} conversations' webhooks, goal 3's load) reached VmHWM ${mb(g4.seedingHwmKb)}.`,
    );
    L.push('');
  }
  L.push('### Method', '');
  L.push(...meta.method);
  L.push('');
  return L.join('\n');
}
