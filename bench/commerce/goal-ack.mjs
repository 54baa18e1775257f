/**
 * Goal 1 of bench/commerce.mjs: a signed Meta inbound webhook (one text message) acknowledged by
 * Probador — the real route `POST /hooks/whatsapp/:connection_id` of an API node (`--role api`):
 * the connection looked up, `X-Hub-Signature-256` checked on the raw body, parsed, the ledger
 * insert, the `commerce.inbound` enqueue, 200 `OK` — beside bare node:http doing the HMAC check,
 * the parse and an in-memory enqueue (bench/commerce/baseline-webhook.mjs). Peak req/s of each,
 * closed loop, same generator and same request bytes (a distinct wamid per request), servers
 * pinned to core 0 and the generator to core 1 as in bench/run.mjs, rounds alternating.
 *
 * Nobody consumes the queue during this goal (no worker; embedded: the API role does not start
 * the in-process worker), so each figure is the acknowledgement alone, as the baseline's is.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cpuTimeMs, machineMeter, startChild, stopChild, memoryOf, waitOutput } from '../lib/children.mjs';
import { paced } from '../lib/paced.mjs';
import { freePort, median } from '../lib/util.mjs';
import { createMetaBots } from './api.mjs';
import { dataDirFor, freshDatabase, freshRedis, nodeEnv, ROOT, startNode } from './launcher.mjs';
import { ACK } from './meta-requests.mjs';

const META_REQUESTS = join(ROOT, 'bench/commerce/meta-requests.mjs');
export const newTag = () => randomBytes(9).toString('base64url');

/** One load run against `url` with fresh wamids: closed loop (peak) unless `rate` is given. */
export function webhookLoad(url, targets, { duration, warmup = 1, connections = 50, rate, shoppers = 1000, trace = false }) {
  const request = { module: META_REQUESTS, options: { targets, shoppers, tag: newTag() } };
  return paced({ url, request, duration, warmup, connections, expectBody: ACK, trace, ...(rate ? { rate } : { closed: true }) });
}

const faultsOf = (r) => r.non2xx + r.errors + r.timeouts + r.mismatches;

/** Toggle bench/lib/probe.mjs in a node started with it (start, then stop and write). */
async function probe(child) {
  const from = child.output().length;
  child.probing = !child.probing;
  child.proc.kill('SIGUSR2');
  await waitOutput(child, child.probing ? /PROBE STARTED/ : /PROBE (WRITTEN|FAILED)/, from);
}

export async function ackGoal(mode, entry, S, log) {
  const pin = S.pin ? 0 : undefined;
  const notes = {};
  let config;
  if (mode === 'embedded') config = nodeEnv({ dataDir: dataDirFor('ack') });
  else {
    const db = await freshDatabase('ack');
    const r = await freshRedis('ack');
    Object.assign(notes, { postgres: db.version, autovacuum: db.autovacuum, redis: r.version });
    config = nodeEnv({ dataDir: dataDirFor('ack'), databaseUrl: db.url, redisPrefix: r.prefix });
  }
  const profileName = `commerce-ack-${mode}-${process.pid}`;
  const ours = await startNode(entry, `probador api (${mode}, ack)`, config, {
    role: 'api',
    cpu: pin,
    seed: true,
    nodeArgs: S.profile ? ['--import', join(ROOT, 'bench/lib/probe.mjs')] : [],
    extraEnv: S.profile ? { BENCH_PROBE_DIR: join(ROOT, 'bench/out/profiles'), BENCH_PROBE_NAME: profileName } : {},
  });
  const startRssKb = memoryOf(ours.child.pid)?.rssKb; // an API node on a database with nothing but one tenant
  const [target] = await createMetaBots(ours.base, ours.seed.key, `ack-${mode}`, 0, 1);
  const port = await freePort();
  const baseline = startChild(`node:http webhook (${mode})`, [join(ROOT, 'bench/commerce/baseline-webhook.mjs')], { env: { PATH: process.env.PATH, PORT: String(port), BENCH_APP_SECRET: target.secret }, cwd: ROOT, ready: /READY (\d+)/, cpu: pin });
  await baseline.started;
  const servers = [
    { id: 'ours', name: 'Probador (API node)', child: ours.child, url: ours.base, peaks: [], faults: 0 },
    { id: 'node', name: 'bare node:http', child: baseline, url: `http://127.0.0.1:${port}`, peaks: [], faults: 0 },
  ];
  // Both refuse a forged signature and accept a signed body (a first, unmeasured check of the setup).
  for (const s of servers) {
    const r = await webhookLoad(s.url, [target], { duration: 1, warmup: 0, connections: 1, rate: 20 });
    if (faultsOf(r) > 0 || r.requests < 10) throw new Error(`${s.name}: signed webhooks not answered 200 OK: ${JSON.stringify(r.statusCodes)}`);
    const forged = await fetch(`${s.url}${target.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, body: '{"object":"whatsapp_business_account","entry":[]}' });
    if (forged.status !== 401) throw new Error(`${s.name}: a forged signature got ${forged.status}, not 401`);
  }
  for (const s of servers) {
    log(`ack ${mode}: warm-up ${s.name} ${S.warmup} s`);
    const w = await webhookLoad(s.url, [target], { duration: S.warmup, connections: S.connections });
    s.faults += faultsOf(w);
  }
  for (let round = 1; round <= S.rounds; round++) {
    for (const s of servers) {
      const profiling = S.profile && s.id === 'ours' && round === 1;
      if (profiling) await probe(s.child);
      const cpu0 = cpuTimeMs(s.child.pid);
      const meter = machineMeter(s.child.pid);
      const r = await webhookLoad(s.url, [target], { duration: S.duration, connections: S.connections });
      const cpuMs = cpuTimeMs(s.child.pid) - cpu0;
      if (profiling) await probe(s.child);
      const busy = meter(r.generatorCpuMs);
      s.faults += faultsOf(r);
      const p = { rps: r.achievedRate, p50: r.latency.p50, p99: r.latency.p99, cpuUs: (1000 * cpuMs) / r.sent, busy, codes: r.statusCodes };
      s.peaks.push(p);
      log(`  ${mode} round ${round} ${s.name}: ${p.rps.toFixed(0)} req/s, p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, CPU ${p.cpuUs.toFixed(0)} µs/req; others ${busy.othersPct.toFixed(0)} %, generator ${busy.benchPct.toFixed(0)} %; ${JSON.stringify(r.statusCodes)}${faultsOf(r) ? ` FAULTS ${faultsOf(r)}` : ''}`);
    }
  }
  for (const s of servers) s.hwmKb = memoryOf(s.child.pid)?.hwmKb;
  await Promise.all(servers.map((s) => stopChild(s.child)));
  const ratio = median(servers[0].peaks.map((p) => p.rps)) / median(servers[1].peaks.map((p) => p.rps));
  return { mode, notes, servers, ratio, startRssKb, standIns: ours.standIns, profile: S.profile ? join(ROOT, 'bench/out/profiles', `${profileName}.cpuprofile`) : undefined };
}
