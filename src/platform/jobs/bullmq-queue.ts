/**
 * BullMQ on Redis: the production queue. One BullMQ queue per job name (each with its own
 * concurrency); workers may run in separate processes (`probador start --role worker`).
 * A worker that dies mid-job loses its lock; BullMQ's stalled-job check hands the job to another
 * worker (or the restarted one), so handlers must be idempotent.
 */
import type * as BullMQ from 'bullmq';
import type { ErrorReporter } from '../observability/error-reports.js';
import { runJobSpan, takeTraceContext, withTraceContext } from '../observability/tracing.js';
import type { Logger } from 'pino';
import type { Redis } from '../redis.js';
import { newId } from '../ids.js';
import { jobContext, PermanentJobError, type EnqueueOptions, type JobDefinition, type JobQueue, type QueueCounts } from './types.js';

export type BullOptions = {
  redis: Redis;
  prefix: string;
  log: Logger;
  /** How long a job's lock lives without renewal; a dead worker's job is retried after about this. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Told of jobs that failed for good on an unexpected error (error tracking). */
  report?: ErrorReporter['capture'];
};

// BullMQ (~10 MB of modules) loads when a queue or worker is first needed: an API node that
// serves only reads never loads it.
let bullmq: Promise<typeof BullMQ> | undefined;
const loadBullmq = () => (bullmq ??= import('bullmq'));

export function bullJobQueue(opts: BullOptions): JobQueue {
  const defs = new Map<string, JobDefinition<never>>();
  const queues = new Map<string, BullMQ.Queue>();
  const workers: BullMQ.Worker[] = [];
  const started = new Set<string>();
  const prefix = `${opts.prefix}bull`;
  const queueName = (name: string) => name.replace(/[:]/g, '_');

  const queueOf = async (name: string) => {
    let q = queues.get(name);
    if (!q) {
      const { Queue } = await loadBullmq();
      q = queues.get(name); // another call may have made it while the module loaded
      if (q) return q;
      q = new Queue(queueName(name), { connection: opts.redis, prefix });
      q.on('error', (err) => opts.log.warn({ err: err.message, queue: name }, 'queue error'));
      queues.set(name, q);
    }
    return q;
  };

  /** BullMQ's job options for ours: the dedupe key as the job id (added once while it exists). */
  const jobsOf = <P>(name: string, items: { payload: P; opts?: EnqueueOptions }[]) => {
    const def = defs.get(name);
    if (!def) throw new Error(`unknown job ${name}`);
    return items.map(({ payload, opts: o = {} }) => ({
      name,
      data: withTraceContext(payload),
      opts: {
        jobId: o.dedupeKey ? `d-${o.dedupeKey.replace(/:/g, '_')}` : newId('job'),
        attempts: def.attempts,
        backoff: { type: 'probador' },
        delay: o.delayMs,
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    }));
  };

  return {
    driver: 'bullmq',
    register(def) {
      defs.set(def.name, def);
    },
    async enqueue(name, payload, o: EnqueueOptions = {}) {
      const [job] = jobsOf(name, [{ payload, opts: o }]);
      await (await queueOf(name)).add(name, job!.data, job!.opts);
      return job!.opts.jobId;
    },
    async enqueueMany(name, items) {
      if (items.length === 0) return [];
      const jobs = jobsOf(name, items);
      await (await queueOf(name)).addBulk(jobs);
      return jobs.map((j) => j.opts.jobId);
    },
    async startWorker() {
      const { Worker, UnrecoverableError } = await loadBullmq();
      for (const def of defs.values()) {
        if (started.has(def.name)) continue; // idempotent: one worker per job per process
        started.add(def.name);
        const worker = new Worker(
          queueName(def.name),
          async (job: BullMQ.Job) => {
            const ac = new AbortController();
            const timer = setTimeout(() => ac.abort(new Error(`job timed out after ${def.timeoutMs} ms`)), def.timeoutMs);
            try {
              const { payload, parent } = takeTraceContext(job.data);
              await runJobSpan(def.name, job.id ?? '', job.attemptsMade + 1, parent, () =>
                def.handler(
                  payload as never,
                  jobContext({ jobId: job.id ?? '', attempt: job.attemptsMade + 1, maxAttempts: def.attempts, signal: ac.signal }, opts.log, { job: def.name, job_id: job.id }),
                ),
              );
            } catch (e) {
              if (e instanceof PermanentJobError) throw new UnrecoverableError(e.message);
              throw e;
            } finally {
              clearTimeout(timer);
            }
          },
          {
            connection: opts.redis,
            prefix,
            concurrency: def.concurrency,
            lockDuration: opts.lockDurationMs ?? 30_000,
            stalledInterval: opts.stalledIntervalMs ?? 5_000,
            maxStalledCount: 2,
            settings: { backoffStrategy: (attemptsMade: number) => def.backoffMs(attemptsMade) },
          },
        );
        worker.on('failed', (job, err) => {
          if (!job) return;
          const final = err instanceof UnrecoverableError || job.attemptsMade >= def.attempts;
          opts.log.warn({ job: def.name, job_id: job.id, attempt: job.attemptsMade, err: err.message }, 'job attempt failed');
          if (final) void def.onFailed?.(job.data as never, err)?.catch((e: Error) => opts.log.error({ err: e }, 'onFailed hook failed'));
          // A job that failed for good on an unexpected error (not one it declared permanent) is a bug to track.
          if (final && !(err instanceof UnrecoverableError)) opts.report?.(err, { job: def.name, jobId: job.id });
        });
        worker.on('error', (err) => opts.log.warn({ err: err.message }, 'worker error'));
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },
    async counts() {
      const out: QueueCounts = {};
      for (const name of defs.keys()) {
        const c = await (await queueOf(name)).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        out[name] = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
      }
      return out;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
