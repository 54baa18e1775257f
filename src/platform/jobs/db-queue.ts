/**
 * The database-backed queue: the embedded default (PGlite), also usable on PostgreSQL without
 * Redis. Jobs are rows; workers claim batches with FOR UPDATE SKIP LOCKED and hold a lease
 * (`locked_until`). A worker that dies mid-job leaves the lease to lapse and the job is claimed
 * again, so handlers must be idempotent.
 *
 * Round trips are the cost (each statement is a WAL flush on PostgreSQL and main-thread time on
 * PGlite), so:
 * - a job enqueued in a process whose worker has a free slot is inserted already claimed
 *   (`active`, with its lease) and run at once: no claim statement at all;
 * - otherwise one statement claims up to the free slots of every job name (a LATERAL per name);
 *   the loop claims again only when something may be waiting: a job was enqueued here, the last
 *   claim filled every free slot, or the poll timer fired (delayed jobs, retries, other processes);
 *   while jobs of a name still run, a freed slot waits for a quarter of its slots (or GATHER_MS) so
 *   one claim takes several jobs; the claim is an index range scan over queued rows, and leases that
 *   lapsed are put back in the queue on the poll;
 * - in a single process (PGlite), the poll runs only while some queued job is known to be waiting
 *   or delayed (everything is enqueued here, so the queue knows); otherwise it looks once every
 *   IDLE_POLL_MS while a job runs or an outcome could not be recorded (a lease that can lapse), and
 *   not at all when nothing runs (each poll is a claim statement on the main thread, a burst of
 *   slow answers under HTTP load: twice a second once, then every 10 s);
 * - finished jobs are deleted in batches: with the next claim, or shortly after (`flushDone`).
 *   A job finished but not yet deleted is still leased to this process; if the process dies in
 *   between, the job runs again, which handlers must tolerate anyway.
 */
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { jobs } from '../db/tables.js';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { ErrorReporter } from '../observability/error-reports.js';
import { runJobSpan, takeTraceContext, withTraceContext } from '../observability/tracing.js';
import { jobContext, PermanentJobError, type EnqueueOptions, type JobDefinition, type JobQueue, type QueueCounts } from './types.js';

type Row = Pick<typeof jobs.$inferSelect, 'id' | 'name' | 'payload' | 'attempts' | 'maxAttempts'>;

/** Finished jobs are deleted at most this long after they finish when no claim carries them sooner. */
const DONE_FLUSH_MS = 50;
/** How long a freed slot waits for others to free before claiming (busy queue only; see claimable). */
const GATHER_MS = 5;
/**
 * Single process, nothing queued but a job running (or an outcome not recorded): the poll's interval,
 * a safety net for leases that lapse (a handler that ignored its abort, a failed finish).
 */
const IDLE_POLL_MS = 10_000;

export function dbJobQueue(opts: { db: Db; clock: Clock; log: Logger; pollMs?: number; idlePollMs?: number; singleProcess: boolean; report?: ErrorReporter['capture'] }): JobQueue {
  const { db, clock, log } = opts;
  const defs = new Map<string, JobDefinition<never>>();
  const running = new Map<string, number>(); // job name -> in flight (including slots reserved by enqueue)
  const inFlight = new Set<Promise<void>>();
  const controllers = new Set<AbortController>();
  let started = false;
  let stopping = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  const pollMs = opts.pollMs ?? 500;
  const idlePollMs = opts.idlePollMs ?? IDLE_POLL_MS;
  /**
   * An outcome could not be recorded: its row stays active until its lease lapses and a poll puts
   * it back. The latest such lease's end (0: none), so the poll keeps looking until after it.
   */
  let unrecordedUntil = 0;
  /** The poll fired (or the worker just started): every name may have work; lapsed leases first. */
  let pollDue = true;
  let polls = 0;
  /**
   * Single process: the earliest run_at of a queued job this queue knows of (Infinity: none, the
   * queue is idle; -Infinity: not known, after a failed poll). Read from the database after each
   * poll's claim (the first poll runs at start), lowered by every delayed enqueue and retry here.
   */
  let nextRunAt = Infinity;
  const noteRunAt = (at: number) => {
    if (!opts.singleProcess || at >= nextRunAt) return;
    const wasIdle = nextRunAt === Infinity;
    nextRunAt = at;
    if (wasIdle) wakeUp(); // the loop sleeps for IDLE_POLL_MS: poll on the usual schedule again
  };
  /** GATHER_MS passed since a slot of a name with work waiting freed (see claimable). */
  let gatherDue = false;
  let gatherTimer: NodeJS.Timeout | undefined;
  /** Jobs enqueued here, by name, but not run at once (no free slot): counted to see one during a claim. */
  const enqueueSeq = new Map<string, number>();
  /** Job names whose last claim filled every free slot: more of them may be waiting. */
  const maybeMore = new Set<string>();
  /** Ids of jobs that succeeded here and are still to be deleted. */
  let done: string[] = [];
  let doneTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const freeSlots = (name: string) => defs.get(name)!.concurrency - (running.get(name) ?? 0);
  const leaseFor = (def: JobDefinition<never>) => new Date(clock.now() + def.timeoutMs + 5_000);

  function takeDone(): string[] {
    const ids = done;
    done = [];
    if (doneTimer) clearTimeout(doneTimer);
    doneTimer = undefined;
    return ids;
  }

  async function flushDone() {
    while (flushing) await flushing;
    const ids = takeDone();
    if (ids.length === 0) return;
    flushing = (async () => {
      await db.execute(sql`delete from jobs where id = any(${sql.param(ids)}::text[])`);
    })()
      .catch((err) => log.warn({ err, count: ids.length }, 'could not delete finished jobs (they will run again, idempotently)'))
      .finally(() => {
        flushing = undefined;
      });
    await flushing;
  }

  /**
   * One statement: delete what finished, claim up to `limit` ready jobs of each name. The claim is
   * an index range scan of queued rows (`jobs_ready_idx`), and the update finds its rows by primary
   * key, so its cost does not grow with the backlog. Leases that lapsed are put back in the queue by
   * `requeueLapsed` on the poll, not looked for on every claim.
   */
  async function claim(wants: { name: string; limit: number }[], doneIds: string[]): Promise<Row[]> {
    const now = new Date(clock.now());
    const leaseMs = new Map(wants.map(({ name }) => [name, defs.get(name)!.timeoutMs + 5_000]));
    const result = (await db.execute(sql`
      with done as (delete from jobs where id = any(${sql.param(doneIds)}::text[]))
      update jobs set status = 'active', attempts = jobs.attempts + 1, updated_at = ${now},
        locked_until = ${now}::timestamptz + make_interval(secs => (${sql.param(JSON.stringify(Object.fromEntries(leaseMs)))}::jsonb ->> jobs.name)::int / 1000.0)
      where jobs.id = any(array(
        select p.id from unnest(${sql.param(wants.map((w) => w.name))}::text[], ${sql.param(wants.map((w) => w.limit))}::int[]) as n(name, lim)
        cross join lateral (
          select id from jobs
          where jobs.name = n.name and status = 'queued' and run_at <= ${now}
          order by run_at
          limit n.lim
          for update skip locked
        ) p
      ))
      returning jobs.id, jobs.name, jobs.payload, jobs.attempts, jobs.max_attempts as "maxAttempts"`)) as unknown as { rows: Row[] };
    return result.rows;
  }

  /** Jobs whose lease lapsed (their process died or hung) go back to the queue, to be claimed again. */
  async function requeueLapsed() {
    const now = new Date(clock.now());
    await db.execute(sql`update jobs set status = 'queued', locked_until = null, updated_at = ${now} where status = 'active' and locked_until < ${now}`);
  }

  async function finish(row: Row, error: Error | undefined) {
    const def = defs.get(row.name)!;
    if (!error) {
      done.push(row.id);
      doneTimer ??= setTimeout(() => void flushDone(), DONE_FLUSH_MS);
      return;
    }
    const permanent = error instanceof PermanentJobError;
    if (!permanent && row.attempts < row.maxAttempts) {
      const runAt = new Date(clock.now() + def.backoffMs(row.attempts));
      await db.update(jobs).set({ status: 'queued', runAt, lockedUntil: null, lastError: error.message.slice(0, 1000), updatedAt: new Date(clock.now()) }).where(eq(jobs.id, row.id));
      noteRunAt(runAt.getTime());
      return;
    }
    await db.update(jobs).set({ status: 'failed', lockedUntil: null, lastError: error.message.slice(0, 1000), updatedAt: new Date(clock.now()) }).where(eq(jobs.id, row.id));
    // A job that failed for good on an unexpected error (not one it declared permanent) is a bug to track.
    if (!permanent) opts.report?.(error, { job: row.name, jobId: row.id });
    await def.onFailed?.(row.payload as never, error).catch((err) => log.error({ err, job: row.name }, 'onFailed hook failed'));
  }

  async function run(row: Row) {
    const def = defs.get(row.name)!;
    const ac = new AbortController();
    controllers.add(ac);
    const timer = setTimeout(() => ac.abort(new Error(`job timed out after ${def.timeoutMs} ms`)), def.timeoutMs);
    let error: Error | undefined;
    try {
      const { payload, parent } = takeTraceContext(row.payload);
      await runJobSpan(row.name, row.id, row.attempts, parent, () =>
        def.handler(payload as never, jobContext({ jobId: row.id, attempt: row.attempts, maxAttempts: row.maxAttempts, signal: ac.signal }, log, { job: row.name, job_id: row.id })),
      );
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    } finally {
      clearTimeout(timer);
      controllers.delete(ac);
    }
    if (stopping && error && ac.signal.aborted) return; // shutting down: the lease lapses and another run picks it up
    if (error) log.warn({ job: row.name, job_id: row.id, attempt: row.attempts, err: error.message }, 'job attempt failed');
    await finish(row, error).catch((err) => {
      unrecordedUntil = Math.max(unrecordedUntil, leaseFor(def).getTime()); // no later than this
      log.error({ err, job_id: row.id }, 'could not record job outcome');
    });
  }

  /** Run a claimed row in a slot already counted in `running`. */
  function launch(row: Row) {
    const p = run(row).finally(() => {
      running.set(row.name, (running.get(row.name) ?? 1) - 1);
      inFlight.delete(p);
      wakeUp(); // the loop decides whether the freed slot claims now (see claimable)
    });
    inFlight.add(p);
  }

  /**
   * What to claim now. After the poll: every name with a free slot (delayed jobs, retries, other
   * processes). Otherwise only names that may have jobs waiting (`maybeMore`), and — one statement
   * per freed slot would make the claim the main cost of a busy queue — while others of the name
   * still run, only once a quarter of its slots are free, or GATHER_MS after a slot freed (`force`).
   */
  function claimable(force: boolean): { name: string; limit: number }[] {
    const wants: { name: string; limit: number }[] = [];
    for (const [name, def] of defs) {
      const free = freeSlots(name);
      if (free <= 0) continue;
      const ready = pollDue || (maybeMore.has(name) && (force || (running.get(name) ?? 0) === 0 || free >= Math.max(1, Math.ceil(def.concurrency / 4))));
      if (ready) wants.push({ name, limit: free });
    }
    return wants;
  }
  const gathering = () => [...maybeMore].some((name) => defs.has(name) && freeSlots(name) > 0);

  async function tick(wants: { name: string; limit: number }[]): Promise<void> {
    if (gatherTimer) clearTimeout(gatherTimer);
    gatherTimer = undefined;
    gatherDue = false;
    const polled = pollDue;
    if (pollDue) {
      pollDue = false;
      nextRunAt = Infinity; // read again after the claim; lowered meanwhile by any enqueue or retry
      // Another process's lease can lapse at any time; in a single process only a job that ignored
      // its abort leaves one (a crash is handled at start), so there it is looked for every 20th poll.
      if (!opts.singleProcess || polls++ % 20 === 0 || unrecordedUntil > 0) {
        const at = clock.now();
        await requeueLapsed();
        // Every unrecorded row's lease had lapsed by then: each is back in the queue.
        if (unrecordedUntil > 0 && at > unrecordedUntil) unrecordedUntil = 0;
      }
    }
    const doneIds = takeDone();
    const seqBefore = new Map(wants.map((w) => [w.name, enqueueSeq.get(w.name) ?? 0]));
    let rows: Row[];
    try {
      rows = await claim(wants, doneIds);
    } catch (err) {
      done.push(...doneIds);
      throw err;
    }
    const got = new Map<string, number>();
    for (const row of rows) {
      got.set(row.name, (got.get(row.name) ?? 0) + 1);
      running.set(row.name, (running.get(row.name) ?? 0) + 1);
      launch(row);
    }
    // A name whose free slots were all filled may have more waiting. A name that got fewer than it
    // asked for had nothing more ready, unless a job of it was enqueued during the claim.
    for (const w of wants) {
      if ((got.get(w.name) ?? 0) >= w.limit || (enqueueSeq.get(w.name) ?? 0) !== seqBefore.get(w.name)) maybeMore.add(w.name);
      else maybeMore.delete(w.name);
    }
    if (polled && opts.singleProcess) {
      // What of this worker's jobs is still queued after the claim: waiting for a slot, delayed, or nothing.
      const names = [...defs.keys()];
      const res = (await db.execute(sql`select min(run_at) as "at" from jobs where status = 'queued' and name = any(${sql.param(names)}::text[])`)) as unknown as { rows: { at: Date | string | null }[] };
      const at = res.rows[0]?.at;
      // Lowered meanwhile by an enqueue or retry (noteRunAt): keep the lower.
      nextRunAt = Math.min(at == null ? Infinity : new Date(at).getTime(), nextRunAt);
    }
  }

  async function workLoop() {
    while (!stopping) {
      const wants = claimable(gatherDue);
      if (wants.length > 0) {
        try {
          await tick(wants);
          continue;
        } catch (err) {
          if (!stopping) log.error({ err }, 'job queue poll failed');
          nextRunAt = -Infinity; // not known: poll on the usual schedule until a poll succeeds
        }
      } else if (gathering()) {
        gatherTimer ??= setTimeout(() => {
          gatherTimer = undefined;
          gatherDue = true;
          wakeUp();
        }, GATHER_MS);
      }
      if (stopping) break;
      // Single process, nothing queued: look now and then only while a lease could lapse.
      const idle = opts.singleProcess && nextRunAt === Infinity;
      const delay = !idle ? pollMs : unrecordedUntil > 0 || inFlight.size > 0 ? idlePollMs : undefined;
      await new Promise<void>((resolve) => {
        const t =
          delay === undefined
            ? undefined
            : setTimeout(() => {
                pollDue = true; // delayed jobs, retries, other processes, lapsed leases
                resolve();
              }, delay);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
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
      const stored = withTraceContext(payload);
      // This process's worker has a free slot: insert the job already claimed and run it here.
      const direct = started && !stopping && !o.delayMs && freeSlots(name) > 0;
      if (direct) running.set(name, (running.get(name) ?? 0) + 1); // reserve the slot before awaiting
      let rows: { id: string }[];
      const insert = () =>
        db
          .insert(jobs)
          .values({
            id,
            name,
            payload: stored as object,
            maxAttempts: def.attempts,
            runAt: new Date(now + (o.delayMs ?? 0)),
            dedupeKey: o.dedupeKey ?? null,
            createdAt: new Date(now),
            updatedAt: new Date(now),
            ...(direct ? { status: 'active' as const, attempts: 1, lockedUntil: leaseFor(def) } : {}),
          })
          .onConflictDoNothing()
          .returning({ id: jobs.id });
      try {
        rows = await insert();
        // A finished job keeps its dedupe key until deleted: when the key is taken and jobs that
        // finished here are still to be deleted, delete them and try once more, so a key can be
        // reused (deleting first on every enqueue was one more statement per job).
        if (rows.length === 0 && o.dedupeKey && (done.length > 0 || flushing)) {
          await flushDone();
          rows = await insert();
        }
      } catch (e) {
        if (direct) running.set(name, (running.get(name) ?? 1) - 1);
        throw e;
      }
      if (direct) {
        if (rows.length > 0) {
          launch({ id, name, payload: stored, attempts: 1, maxAttempts: def.attempts });
          wakeUp(); // an idle single-process loop sleeps without a timer: arm the lease safety net
        } else {
          running.set(name, (running.get(name) ?? 1) - 1);
          wakeUp();
        }
      }
      if (rows.length === 0 && o.dedupeKey) {
        const [existing] = await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.dedupeKey, o.dedupeKey));
        return existing?.id ?? id;
      }
      if (!direct && o.delayMs && rows.length > 0) noteRunAt(now + o.delayMs);
      if (!direct && !o.delayMs) {
        maybeMore.add(name);
        enqueueSeq.set(name, (enqueueSeq.get(name) ?? 0) + 1);
        if (started) wakeUp();
      }
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
      await flushDone();
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
      if (gatherTimer) clearTimeout(gatherTimer);
      await Promise.allSettled([...inFlight]);
      await flushDone();
    },
  };
}

