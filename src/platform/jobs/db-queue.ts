/**
 * The database-backed queue: the embedded default (PGlite), also usable on PostgreSQL without
 * Redis. Jobs are rows; workers claim batches with FOR UPDATE SKIP LOCKED and hold a lease
 * (`locked_until`). A worker that dies mid-job leaves the lease to lapse and the job is claimed
 * again, so handlers must be idempotent. Enqueueing in this process wakes the worker at once;
 * other processes are picked up by polling.
 */
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { jobs } from '../db/tables.js';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { PermanentJobError, type EnqueueOptions, type JobDefinition, type JobQueue, type QueueCounts } from './types.js';

type Row = typeof jobs.$inferSelect;

export function dbJobQueue(opts: { db: Db; clock: Clock; log: Logger; pollMs?: number; singleProcess: boolean }): JobQueue {
  const { db, clock, log } = opts;
  const defs = new Map<string, JobDefinition<never>>();
  const running = new Map<string, number>(); // job name -> in flight
  const inFlight = new Set<Promise<void>>();
  const controllers = new Set<AbortController>();
  let started = false;
  let stopping = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  const pollMs = opts.pollMs ?? 500;

  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  async function claim(name: string, limit: number): Promise<Row[]> {
    const now = new Date(clock.now());
    const def = defs.get(name)!;
    const lease = new Date(clock.now() + def.timeoutMs + 5_000);
    const result = (await db.execute(sql`
      update jobs set status = 'active', attempts = attempts + 1, locked_until = ${lease}, updated_at = ${now}
      where id in (
        select id from jobs
        where name = ${name} and ((status = 'queued' and run_at <= ${now}) or (status = 'active' and locked_until < ${now}))
        order by run_at
        limit ${limit}
        for update skip locked
      )
      returning id, name, payload, attempts, max_attempts as "maxAttempts"`)) as unknown as { rows: Pick<Row, 'id' | 'name' | 'payload' | 'attempts' | 'maxAttempts'>[] };
    return result.rows as Row[];
  }

  async function finish(row: Row, error: Error | undefined) {
    const def = defs.get(row.name)!;
    if (!error) {
      await db.delete(jobs).where(eq(jobs.id, row.id));
      return;
    }
    const permanent = error instanceof PermanentJobError;
    if (!permanent && row.attempts < row.maxAttempts) {
      const runAt = new Date(clock.now() + def.backoffMs(row.attempts));
      await db.update(jobs).set({ status: 'queued', runAt, lockedUntil: null, lastError: error.message.slice(0, 1000), updatedAt: new Date(clock.now()) }).where(eq(jobs.id, row.id));
      return;
    }
    await db.update(jobs).set({ status: 'failed', lockedUntil: null, lastError: error.message.slice(0, 1000), updatedAt: new Date(clock.now()) }).where(eq(jobs.id, row.id));
    await def.onFailed?.(row.payload as never, error).catch((err) => log.error({ err, job: row.name }, 'onFailed hook failed'));
  }

  async function run(row: Row) {
    const def = defs.get(row.name)!;
    const ac = new AbortController();
    controllers.add(ac);
    const timer = setTimeout(() => ac.abort(new Error(`job timed out after ${def.timeoutMs} ms`)), def.timeoutMs);
    let error: Error | undefined;
    try {
      await def.handler(row.payload as never, { jobId: row.id, attempt: row.attempts, maxAttempts: row.maxAttempts, signal: ac.signal, log: log.child({ job: row.name, job_id: row.id }) });
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    } finally {
      clearTimeout(timer);
      controllers.delete(ac);
    }
    if (stopping && error && ac.signal.aborted) return; // shutting down: the lease lapses and another run picks it up
    if (error) log.warn({ job: row.name, job_id: row.id, attempt: row.attempts, err: error.message }, 'job attempt failed');
    await finish(row, error).catch((err) => log.error({ err, job_id: row.id }, 'could not record job outcome'));
  }

  async function tick(): Promise<boolean> {
    let claimedAny = false;
    for (const [name, def] of defs) {
      const free = def.concurrency - (running.get(name) ?? 0);
      if (free <= 0) continue;
      const rows = await claim(name, free);
      for (const row of rows) {
        claimedAny = true;
        running.set(name, (running.get(name) ?? 0) + 1);
        const p = run(row).finally(() => {
          running.set(name, (running.get(name) ?? 1) - 1);
          inFlight.delete(p);
          wakeUp();
        });
        inFlight.add(p);
      }
    }
    return claimedAny;
  }

  async function workLoop() {
    while (!stopping) {
      let claimed = false;
      try {
        claimed = await tick();
      } catch (err) {
        if (!stopping) log.error({ err }, 'job queue poll failed');
      }
      if (stopping) break;
      if (!claimed) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }

  return {
    driver: 'db',
    register(def) {
      defs.set(def.name, def);
    },
    async enqueue(name, payload, o: EnqueueOptions = {}) {
      const def = defs.get(name);
      if (!def) throw new Error(`unknown job ${name}`);
      const id = newId('job');
      const now = clock.now();
      const rows = await db
        .insert(jobs)
        .values({ id, name, payload: payload as object, maxAttempts: def.attempts, runAt: new Date(now + (o.delayMs ?? 0)), dedupeKey: o.dedupeKey ?? null, createdAt: new Date(now), updatedAt: new Date(now) })
        .onConflictDoNothing()
        .returning({ id: jobs.id });
      if (rows.length === 0 && o.dedupeKey) {
        const [existing] = await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.dedupeKey, o.dedupeKey));
        return existing?.id ?? id;
      }
      if (started && !o.delayMs) wakeUp();
      return id;
    },
    async startWorker() {
      if (started) return;
      started = true;
      if (opts.singleProcess) {
        // Only this process can own the data: anything "active" was cut short by a crash.
        await db.update(jobs).set({ status: 'queued', lockedUntil: null }).where(eq(jobs.status, 'active'));
      }
      loop = workLoop();
    },
    async counts() {
      const now = new Date(clock.now());
      const rows = (await db.execute(sql`
        select name,
          count(*) filter (where status = 'queued' and run_at <= ${now})::int as waiting,
          count(*) filter (where status = 'queued' and run_at > ${now})::int as delayed,
          count(*) filter (where status = 'active')::int as active,
          count(*) filter (where status = 'failed')::int as failed
        from jobs group by name`)) as unknown as { rows: { name: string; waiting: number; delayed: number; active: number; failed: number }[] };
      const out: QueueCounts = {};
      for (const name of defs.keys()) out[name] = { waiting: 0, active: 0, delayed: 0, failed: 0 };
      for (const r of rows.rows) out[r.name] = { waiting: r.waiting, active: r.active, delayed: r.delayed, failed: r.failed };
      return out;
    },
    async close() {
      stopping = true;
      wakeUp();
      await loop;
      // Give running handlers a moment, then abort them; their leases lapse for a later run.
      const grace = new Promise((r) => setTimeout(r, 2_000).unref());
      await Promise.race([Promise.allSettled([...inFlight]), grace]);
      for (const ac of controllers) ac.abort(new Error('shutting down'));
      await Promise.allSettled([...inFlight]);
    },
  };
}

