#!/usr/bin/env node
/**
 * The ceiling BullMQ itself sets on this machine, for the try-on bench's 1,000 jobs/s goal: the same
 * shape as the bench's BullMQ mode — one process adding jobs from 50 concurrent submitters, 2 worker
 * processes at concurrency 32 — with a handler that does nothing, no HTTP, no database, no events.
 * Same job options as Probador's queue (attempts, removeOnComplete). Prints jobs/s and CPU per job.
 *
 *   node bench/tryon/bullmq-baseline.mjs [jobs=5000] [submitters=50] [workers=2] [concurrency=32]
 *   (run by bench/tryon.mjs in PostgreSQL mode); as a worker: … --worker <prefix> <concurrency>
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { cpuTimeMs } from '../lib/children.mjs';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NAME = 'baseline';
const connection = () => new Redis(REDIS_URL, { maxRetriesPerRequest: null });

if (process.argv[2] === '--worker') {
  const prefix = process.argv[3];
  const w = new Worker(NAME, async () => undefined, { connection: connection(), prefix, concurrency: Number(process.argv[4] ?? 32), lockDuration: 30_000, stalledInterval: 5_000 });
  await w.waitUntilReady();
  process.send?.('ready');
  process.on('message', async (m) => {
    if (m === 'stop') {
      await w.close();
      process.exit(0);
    }
  });
} else {
  const [jobs, submitters, nWorkers, concurrency] = [5000, 50, 2, 32].map((d, i) => Number(process.argv[2 + i] ?? d));
  const prefix = `probador-bench-bullmq-baseline:${randomBytes(3).toString('hex')}`;
  const q = new Queue(NAME, { connection: connection(), prefix });
  const events = new QueueEvents(NAME, { connection: connection(), prefix });
  await events.waitUntilReady();
  const workers = Array.from({ length: nWorkers }, () => fork(fileURLToPath(import.meta.url), ['--worker', prefix, String(concurrency)], { stdio: 'inherit' }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  let done = 0;
  const finished = new Promise((resolve) => events.on('completed', () => ++done === jobs && resolve()));
  const redis = new Redis(REDIS_URL);
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))[1]);
  const cpu0 = [process.pid, ...workers.map((w) => w.pid), redisPid].map(cpuTimeMs);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: submitters }, async () => {
      while (next < jobs) {
        next++;
        await q.add(NAME, { tenantId: 'ten_x', tryonId: `try_${next}` }, { attempts: 3, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } });
      }
    }),
  );
  await finished;
  const s = (performance.now() - t0) / 1000;
  const cpu = [process.pid, ...workers.map((w) => w.pid), redisPid].map(cpuTimeMs).map((c, i) => (c - cpu0[i]) / jobs);
  const workersCpu = cpu.slice(1, 1 + nWorkers).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ jobs, seconds: s, jobsPerS: jobs / s, cpuPerJobMs: { adder: cpu[0], workers: workersCpu, redis: cpu.at(-1) } }));
  for (const w of workers) w.send('stop');
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  await q.obliterate({ force: true }).catch(() => undefined);
  await Promise.all([q.close(), events.close()]);
  redis.disconnect();
  process.exit(0);
}
