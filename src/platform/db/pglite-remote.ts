/**
 * The main thread's side of the embedded database thread (pglite-thread.ts): a client with the
 * query, exec and transaction API Drizzle's PGlite driver uses (`PgliteQueryClient`), whose every
 * call is a message to the thread that owns PGlite. The API's event loop never runs a statement.
 *
 * What crosses the thread boundary is data only: statement text, parameters and rows go by
 * structured clone (strings, numbers, bigints, Dates, bytes, JSON values keep their types), errors
 * come back with their message and the server's fields (`code`, `detail`, `constraint`…). Query
 * options carry no functions either: a query's `parsers` are taken to be pass-through (the text as
 * PostgreSQL sent it), which is what Drizzle gives for dates, timestamps and intervals, and the
 * thread applies exactly that for those type ids.
 */
import { cpSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import type { PgliteEngine, PgliteOpenOptions, PgliteQueryClient } from './pglite-fast.js';
import { workerThread } from '../paths.js';

export type ThreadInit = {
  dataDir?: string | undefined;
  loadDataDir?: Uint8Array | undefined;
  sharedBuffersMb?: number | undefined;
  /** Only make the data directory (initdb, or from `loadDataDir`), apply these migrations, close it and end. */
  prepareNew?: { migrationsFolder: string } | undefined;
};

export type ThreadRequest = { id: number } & (
  | { op: 'query'; text: string; params?: unknown[] | undefined; rowMode?: 'array' | 'object' | undefined; raw?: number[] | undefined; tx?: number | undefined }
  | { op: 'exec'; text: string; tx?: number | undefined }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'migrate'; migrationsFolder: string }
  | { op: 'dump' }
  | { op: 'close' }
);
type Op = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/** The error the thread reported, rebuilt here (this thread's stack: the caller's). */
function rebuild(data: Record<string, unknown>): Error {
  const e = new Error(String(data.message ?? 'database error'));
  for (const [k, v] of Object.entries(data)) if (k !== 'message' && k !== 'stack') (e as unknown as Record<string, unknown>)[k] = v;
  return e;
}

/** tsx's ESM API (its `import` export: the CommonJS one registers its hooks by a path that does not resolve). */
function tsxApiUrl(): string {
  const req = createRequire(import.meta.url);
  const pkgFile = req.resolve('tsx/package.json');
  const pkg = req(pkgFile) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
}

/** A new thread that opens PGlite as `workerData` says; resolves once it is open (or refused). */
async function spawnThread(workerData: ThreadInit): Promise<Worker> {
  const entry = workerThread('platform/db/pglite-thread', { bundled: true });
  // From src/ (tests, tsx) the entry is TypeScript: register tsx in the thread, then import it.
  const worker =
    entry.execArgv.length > 0
      ? new Worker(`import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(entry.filename).href)}); });`, { eval: true, workerData })
      : new Worker(entry.filename, { workerData });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the embedded database thread exited (code ${code}) before it was ready`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    worker.once('message', (m: { ready: boolean; error?: Record<string, unknown> }) => {
      worker.off('error', reject);
      worker.off('exit', onExit);
      if (m.ready) resolve();
      else {
        void worker.terminate();
        reject(rebuild(m.error ?? {}));
      }
    });
  });
  return worker;
}

/** A data directory PGlite has not initialised yet (initdb has not run there). */
const isNewDataDir = (dir: string) => !existsSync(join(dir, 'PG_VERSION'));

/**
 * Starts the thread and opens PGlite in it (a data directory, a dump to load, or in memory): the
 * engine's API, each call a message to the thread; `close` also ends the thread.
 *
 * A new data directory is first made by a thread of its own that ends when initdb is done:
 * PGlite's initdb runs a second PostgreSQL instance and grows the WASM memory to ~700 MB, and a
 * WASM memory never shrinks, so a server that made its data directory on the thread it then
 * served from kept that memory for good (880 MB resident after a first start, 470 MB after a
 * later one). Ending the thread gives it back. With `migrationsFolder` that thread also applies
 * the migrations to the new database (the caller's own `migrate` then finds nothing to do). With
 * `newDataDirTemplate` the directory is a copy of the build's template instead, and no such thread
 * runs.
 */
export async function startPgliteThread(opts: PgliteOpenOptions & { migrationsFolder?: string | undefined }): Promise<PgliteEngine> {
  const workerData: ThreadInit = {
    dataDir: opts.dataDir,
    loadDataDir: opts.loadDataDir ? new Uint8Array(await opts.loadDataDir.arrayBuffer()) : undefined,
    sharedBuffersMb: opts.sharedBuffersMb,
  };
  if (opts.dataDir && isNewDataDir(opts.dataDir)) {
    // A copy of the build's template when there is one (pglite-template.ts): no PostgreSQL instance
    // at all; newer migrations run on the serving thread as on any start. Else initdb and the
    // migrations, on a thread of their own.
    const template = opts.newDataDirTemplate?.();
    if (template) cpSync(template, opts.dataDir, { recursive: true });
    else await (await spawnThread({ ...workerData, prepareNew: { migrationsFolder: opts.migrationsFolder ?? '' } })).terminate();
  }
  const worker = await spawnThread(workerData);

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let dead: Error | undefined;
  const failAll = (e: Error) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };

  // The thread keeps the process alive only while a call waits on it (as PGlite in-process did not).
  worker.unref();
  worker.on('message', (m: ThreadReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve(m.value);
    else p.reject(rebuild(m.error));
  });
  worker.on('error', (e) => failAll(new Error(`the embedded database thread failed: ${e.message}`)));
  worker.on('exit', (code) => failAll(new Error(`the embedded database thread has ended (code ${code})`)));

  const call = <T>(op: Op): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = ++seq;
    return new Promise<T>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, ...op });
    });
  };

  const queryOp = (text: string, params: unknown[] | undefined, options: QueryOptions | undefined, tx?: number): Op => {
    const parsers = options?.parsers;
    return {
      op: 'query',
      text,
      params,
      rowMode: options?.rowMode,
      raw: parsers ? Object.keys(parsers).map(Number) : undefined,
      tx,
    };
  };

  const client: PgliteQueryClient = {
    query: <T>(text: string, params?: unknown[], options?: QueryOptions) => call<Results<T>>(queryOp(text, params, options)),
    exec: (text: string) => call<Results[]>({ op: 'exec', text }),
    transaction: async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
      const id = await call<number>({ op: 'begin' });
      let closed = false;
      const tx = {
        query: <R>(text: string, params?: unknown[], options?: QueryOptions) => {
          if (closed) return Promise.reject(new Error('Transaction is closed'));
          return call<Results<R>>(queryOp(text, params, options, id));
        },
        exec: (text: string) => (closed ? Promise.reject(new Error('Transaction is closed')) : call<Results[]>({ op: 'exec', text, tx: id })),
        sql: () => {
          throw new Error('tagged-template queries are not supported on the embedded database thread');
        },
        rollback: async () => {
          throw new Error('end a transaction by returning or throwing from its function');
        },
        listen: async () => {
          throw new Error('LISTEN is not supported on the embedded database thread');
        },
        get closed() {
          return closed;
        },
      } as unknown as Transaction;
      let result: T;
      try {
        result = await fn(tx);
      } catch (e) {
        closed = true;
        await call({ op: 'end', tx: id, commit: false });
        throw e;
      }
      closed = true;
      await call({ op: 'end', tx: id, commit: true });
      return result;
    },
  };

  return {
    client,
    migrate: (migrationsFolder) => call({ op: 'migrate', migrationsFolder }),
    dump: async () => new Blob([await call<Uint8Array>({ op: 'dump' })]),
    close: async () => {
      if (dead) return;
      try {
        await call({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    },
  };
}
