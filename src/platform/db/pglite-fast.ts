/**
 * A faster query path for PGlite, given to Drizzle in place of the PGlite instance.
 *
 * `PGlite.query(text, params)` makes six separate calls into its WASM PostgreSQL per statement
 * (parse, describe statement, bind, describe portal, execute, sync): it first asks the server
 * for the parameters' types, then serialises each parameter by its type. Every call copies
 * buffers in and out and parses the answer, so a parameterised statement cost ~300–450 µs of
 * CPU where the same statement with literals cost ~150 µs (measured, bench/tryon.mjs).
 *
 * Here the whole extended-protocol exchange goes in one call, as node-postgres sends it over a
 * socket: Parse (parameter types left to the server, as PGlite does too) + Bind + Describe +
 * Execute + Sync. The server infers the same types either way; what differs is who turns a JS
 * value into text, and `paramText` does it the way PGlite's serialisers do for the values Drizzle
 * passes (strings, numbers, booleans, Dates, JSON, arrays, bytes). Results go through PGlite's own
 * parser (`parseResults`), with its type parsers, so rows come back exactly as from `query`.
 *
 * Locking follows PGlite's `query`: a statement waits for any open transaction, and holds the
 * instance while it runs; inside `transaction()` statements only take the query lock.
 */
import type { PGlite, QueryOptions, Results, Transaction, parse, protocol } from '@electric-sql/pglite';

type PgliteModule = { protocol: typeof protocol; parse: typeof parse };

/** The part of the PGlite API Drizzle's `drizzle-orm/pglite` session uses. */
export type PgliteQueryClient = {
  query: <T>(text: string, params?: unknown[], options?: QueryOptions) => Promise<Results<T>>;
  exec: PGlite['exec'];
  transaction: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>;
};

/** A JS value as PostgreSQL text input, as PGlite's serialisers write it. */
export function paramText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false'; // boolean input, and what PGlite sends where the server wants text
    default:
      if (v instanceof Date) return v.toISOString();
      if (v instanceof Uint8Array) return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
      if (Array.isArray(v)) return arrayLiteral(v);
      return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  }
}

/** `{"a","b\"c",NULL,{…}}`: every element quoted, so any text (commas, braces, spaces) is safe. */
function arrayLiteral(a: unknown[]): string {
  const parts = a.map((x) => {
    if (x === null || x === undefined) return 'NULL';
    if (Array.isArray(x)) return arrayLiteral(x);
    const t = paramText(x)!;
    return `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

/** Named statements kept prepared in the session at most (the least recently used is closed). */
const MAX_PREPARED = 500;

export function fastPgliteClient(pg: PGlite, mod: Pick<PgliteModule, 'protocol' | 'parse'>, opts: { maxPrepared?: number } = {}): PgliteQueryClient {
  const maxPrepared = opts.maxPrepared ?? MAX_PREPARED;
  const { serialize } = mod.protocol;
  const describePortal = serialize.describe({ type: 'P' });
  const execute = serialize.execute({});
  const sync = serialize.sync();
  /** SQL text → name of its prepared statement (insertion order = least recently used first). */
  const prepared = new Map<string, string>();
  let seq = 0;
  /**
   * PGlite's parsers with a query's own on top, merged once per kind of options: PGlite merges
   * them on every call, and Drizzle passes a new options object per statement (always with the
   * same pass-through parsers for dates and intervals, keyed here by row mode and type ids).
   */
  type Parsers = PGlite['parsers'];
  const merged = new Map<string, { parsers: Parsers; options: QueryOptions }>();
  const parsingFor = (o: QueryOptions | undefined): { parsers: Parsers; options: QueryOptions | undefined } => {
    if (!o?.parsers) return { parsers: pg.parsers, options: o };
    const key = `${o.rowMode ?? ''}|${Object.keys(o.parsers).join(',')}`;
    let m = merged.get(key);
    if (!m) merged.set(key, (m = { parsers: { ...pg.parsers, ...(o.parsers as Parsers) }, options: { ...o, parsers: undefined } }));
    return m;
  };

  const concat = (parts: Uint8Array[]) => {
    let size = 0;
    for (const p of parts) size += p.length;
    const message = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      message.set(p, at);
      at += p.length;
    }
    return message;
  };

  async function run<T>(text: string, params: unknown[] | undefined, options: QueryOptions | undefined, inTransaction: boolean): Promise<Results<T>> {
    const values = (params ?? []).map(paramText);
    // A statement seen before runs by name: parsed and planned once (PostgreSQL keeps its plan).
    let name = prepared.get(text);
    const fresh = name === undefined;
    if (name !== undefined) {
      prepared.delete(text);
      prepared.set(text, name);
    } else {
      name = `pf${++seq}`;
    }
    const parts = [...(fresh ? [serialize.parse({ name, text })] : []), serialize.bind({ statement: name, values }), describePortal, execute, sync];
    let messages;
    try {
      // Throws the server's error (after the Sync, so the session is ready for the next statement).
      ({ messages } = await pg.execProtocol(concat(parts), { syncToFs: !inTransaction }));
    } catch (e) {
      // A first run that failed after its Parse leaves the statement behind (closing a name that
      // was never parsed is harmless).
      if (fresh) await closeStatement(name);
      throw e;
    }
    if (fresh) {
      prepared.set(text, name);
      if (prepared.size > maxPrepared) {
        const [oldText, oldName] = prepared.entries().next().value as [string, string];
        prepared.delete(oldText);
        await closeStatement(oldName);
      }
    }
    const { parsers, options: opts } = parsingFor(options);
    return mod.parse.parseResults(messages, parsers, opts)[0] as Results<T>;
  }

  /** Close a prepared statement; never throws (a statement left open costs only its memory). */
  const closeStatement = (name: string) =>
    pg.execProtocol(concat([serialize.close({ type: 'S', name }), sync]), { syncToFs: false, throwOnError: false }).then(
      () => undefined,
      () => undefined,
    );

  return {
    query: (text, params, options) => pg._runExclusiveTransaction(() => pg.runExclusive(() => run(text, params, options, false))),
    exec: (text, options) => pg.exec(text, options),
    transaction: (fn) =>
      pg.transaction((tx) =>
        fn({
          ...tx,
          query: <T>(text: string, params?: unknown[], options?: QueryOptions) => {
            if (tx.closed) throw new Error('Transaction is closed');
            return pg.runExclusive(() => run<T>(text, params, options, true));
          },
          get closed() {
            return tx.closed;
          },
        }),
      ),
  };
}

/**
 * An open PGlite and what the database layer does with it: the fast client, migrations, a dump of
 * the data directory, close. The one way PGlite is opened, on its own thread (pglite-thread.ts) or
 * on the caller's (`thread: false`).
 */
export type PgliteEngine = {
  client: PgliteQueryClient;
  migrate: (migrationsFolder: string) => Promise<void>;
  /** The data directory as a gzipped tarball (PGlite's `dumpDataDir`). */
  dump: () => Promise<Blob>;
  close: () => Promise<void>;
};

/** PostgreSQL's buffer pool inside PGlite when none is chosen (initdb's default is 128 MB). */
export const DEFAULT_PGLITE_SHARED_BUFFERS_MB = 16;

export type PgliteOpenOptions = {
  dataDir?: string | undefined;
  loadDataDir?: Blob | undefined;
  /**
   * PostgreSQL's `shared_buffers`, in MB (default 16). PGlite's WASM memory only grows, so every
   * buffer page ever touched stays resident: at initdb's 128 MB a busy embedded server held the
   * whole pool. Pages beyond it are read from the data directory through the OS page cache, which
   * is not the process's memory.
   */
  sharedBuffersMb?: number | undefined;
  /**
   * For a data directory that does not exist yet: a data directory to copy instead of running
   * initdb (pglite-template.ts), asked for only then. Threaded PGlite only (pglite-remote.ts).
   */
  newDataDirTemplate?: (() => string | undefined) | undefined;
};

export async function openPgliteEngine(opts: PgliteOpenOptions): Promise<PgliteEngine> {
  const mod = await import('@electric-sql/pglite');
  // Given as a start parameter, not `postgresqlconf` (which rewrites postgresql.conf and drops
  // initdb's timezone, datestyle and locale lines).
  const startParams = [...mod.PGlite.defaultStartParams, '-c', `shared_buffers=${opts.sharedBuffersMb ?? DEFAULT_PGLITE_SHARED_BUFFERS_MB}MB`];
  const pg = await mod.PGlite.create({ dataDir: opts.dataDir, loadDataDir: opts.loadDataDir, startParams });
  return {
    client: fastPgliteClient(pg, mod),
    migrate: async (migrationsFolder) => {
      const [{ drizzle }, { migrate }] = await Promise.all([import('drizzle-orm/pglite'), import('drizzle-orm/pglite/migrator')]);
      await migrate(drizzle(pg), { migrationsFolder });
    },
    dump: () => pg.dumpDataDir('gzip'),
    close: async () => {
      if (!pg.closed) await pg.close();
    },
  };
}
