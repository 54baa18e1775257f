/**
 * Jobs are a typed catalog: `defineJob({ name: 'tryon.generate', attempts, timeoutMs, handler })`.
 * Payloads carry ids, never images; handlers are idempotent (a job may run more than once after a
 * crash). Two drivers behind one interface: the database table (embedded default) and BullMQ.
 */
import type { Logger } from 'pino';

export type JobContext = {
  jobId: string;
  /** 1 for the first run. */
  attempt: number;
  maxAttempts: number;
  /** Aborted on timeout or shutdown. */
  signal: AbortSignal;
  log: Logger;
};

export type JobDefinition<P = unknown> = {
  name: string;
  attempts: number;
  /** Delay before attempt n+1 (n = attempts made so far). */
  backoffMs: (attemptsMade: number) => number;
  timeoutMs: number;
  /** Parallel runs of this job per worker process. */
  concurrency: number;
  handler: (payload: P, ctx: JobContext) => Promise<void>;
  /** Called once when the last attempt failed (e.g. to mark the domain row failed). */
  onFailed?: (payload: P, error: Error) => Promise<void>;
};

export function defineJob<P>(def: Omit<JobDefinition<P>, 'backoffMs' | 'concurrency'> & Partial<Pick<JobDefinition<P>, 'backoffMs' | 'concurrency'>>): JobDefinition<P> {
  return {
    backoffMs: (n) => Math.min(60_000, 1000 * 2 ** Math.max(0, n - 1)),
    concurrency: 4,
    ...def,
  };
}

export type EnqueueOptions = {
  delayMs?: number;
  /** Adds the job only once per key (while it exists). */
  dedupeKey?: string;
};

export type QueueCounts = Record<string, { waiting: number; active: number; delayed: number; failed: number }>;

export type JobQueue = {
  readonly driver: 'db' | 'bullmq';
  register: (def: JobDefinition<never>) => void;
  enqueue: <P>(name: string, payload: P, opts?: EnqueueOptions) => Promise<string>;
  /**
   * Several jobs of one name in one round trip where the driver can (BullMQ's addBulk); absent
   * otherwise (callers fall back on `enqueue`). For hot paths that group their writes (webhooks).
   */
  enqueueMany?: <P>(name: string, jobs: { payload: P; opts?: EnqueueOptions }[]) => Promise<string[]>;
  /** Start consuming (worker roles only). */
  startWorker: () => Promise<void>;
  counts: () => Promise<QueueCounts>;
  close: () => Promise<void>;
};

/** Thrown by a handler to fail the job at once, without further attempts. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/**
 * A run's context with its logger made on first use: a pino child (bindings, redaction set-up)
 * costs ~20 µs, and most runs never log.
 */
export function jobContext(base: Omit<JobContext, 'log'>, parent: Logger, bindings: Record<string, unknown>): JobContext {
  let log: Logger | undefined;
  return Object.defineProperty(base, 'log', { enumerable: true, get: () => (log ??= parent.child(bindings)) }) as JobContext;
}
