/**
 * One Drizzle database over either PGlite (embedded, in-process Postgres) or node-postgres.
 * Both speak the same SQL and share one schema and one migrations folder.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Client as PgClient } from 'pg';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { lockDataDir, type DirLock } from './lock.js';
import { openPgliteEngine, type PgliteOpenOptions, type PgliteQueryClient } from './pglite-fast.js';
import { projectRoot } from '../paths.js';

export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type DatabaseConfig =
  /** `thread: false` runs PGlite on the calling thread instead of its own (pglite-remote.ts). */
  | ({ driver: 'pglite'; thread?: boolean | undefined } & PgliteOpenOptions)
  | { driver: 'postgres'; url: string; poolMax: number };

export type Database = {
  db: Db;
  driver: 'pglite' | 'postgres';
  ping: () => Promise<void>;
  /** Apply the migrations (of another folder than the build's: tests make an older database). */
  migrate: (folder?: string) => Promise<void>;
  /** Pool figures for metrics (PostgreSQL only). */
  poolStats: () => { total: number; idle: number; waiting: number } | undefined;
  close: () => Promise<void>;
  /** Embedded only: the data directory as a gzipped tarball (tests load it as a template). */
  dumpDataDir?: () => Promise<Blob>;
  /** What Drizzle queries through on PGlite (pglite-remote.ts, or pglite-fast.ts in-process); the bench counts statements on it. */
  pgliteClient?: PgliteQueryClient;
};

export const migrationsFolder = () => join(projectRoot(), 'migrations');

// Each driver (PGlite and its WASM PostgreSQL, or node-postgres) is imported only when chosen:
// a PostgreSQL node never loads PGlite, an embedded one never loads pg.
export async function openDatabase(cfg: DatabaseConfig): Promise<Database> {
  return cfg.driver === 'pglite' ? openPglite(cfg) : openPostgres(cfg);
}

async function openPglite(cfg: { thread?: boolean | undefined } & PgliteOpenOptions): Promise<Database> {
  let lock: DirLock | undefined;
  if (cfg.dataDir) lock = lockDataDir(cfg.dataDir);
  try {
    const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
    const engine =
      cfg.thread === false
        ? await openPgliteEngine(cfg) // on this thread: every statement runs on the caller's event loop
        : await (await import('./pglite-remote.js')).startPgliteThread({ ...cfg, migrationsFolder: migrationsFolder() });
    const db = drizzlePglite({ client: engine.client as unknown as PGlite }) as unknown as Db;
    lingering.add(db);
    return {
      db,
      driver: 'pglite',
      pgliteClient: engine.client,
      dumpDataDir: engine.dump,
      ping: async () => {
        await engine.client.query('select 1');
      },
      migrate: (folder) => engine.migrate(folder ?? migrationsFolder()),
      poolStats: () => undefined,
      close: async () => {
        try {
          await engine.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (e) {
    lock?.release();
    throw e;
  }
}

async function openPostgres(cfg: { url: string; poolMax: number }): Promise<Database> {
  const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]);
  const poolOptions = { connectionString: cfg.url, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000, Client: namingClient(pg.Client) };
  const pool = new pg.Pool({ ...poolOptions, max: cfg.poolMax });
  pool.on('error', () => {
    /* idle client errors are surfaced by the next query and by /ready */
  });
  // Statements whose loss in a database crash costs nothing (see raw.ts `relaxed`) commit without
  // waiting for the WAL flush, on connections of their own: at most a few, as each such statement
  // runs one batch at a time per process. No connection is opened until one is used.
  const relaxedPool = new pg.Pool({ ...poolOptions, max: Math.min(4, cfg.poolMax), options: '-c synchronous_commit=off' });
  relaxedPool.on('error', () => undefined);
  const db = drizzlePg(pool) as unknown as Db;
  relaxedClients.set(db, relaxedPool);
  return {
    db,
    driver: 'postgres',
    ping: async () => {
      await pool.query('select 1');
    },
    migrate: async (folder) => {
      // Several processes may start at once: one migrates while the others wait on the lock.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock(7140001)');
        await migratePg(drizzlePg(client), { migrationsFolder: folder ?? migrationsFolder() });
      } finally {
        await client.query('select pg_advisory_unlock(7140001)').catch(() => undefined);
        client.release();
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      await Promise.all([pool.end(), relaxedPool.end()]);
    },
  };
}

/** PGlite databases: their group commits wait for the next event-loop turn (group-writer.ts `linger`). */
const lingering = new WeakSet<object>();
export const lingers = (db: Db) => lingering.has(db);

/** The asynchronous-commit pool of a PostgreSQL database (none for PGlite: one process, one file). */
const relaxedClients = new WeakMap<object, { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }>();
export const relaxedClientOf = (db: Db) => relaxedClients.get(db);

/** Statement texts given a name at most (beyond it, new texts run unnamed: a bound on what each connection keeps prepared). */
const MAX_NAMED_STATEMENTS = 2000;

/**
 * A node-postgres client that names every statement with parameters after a hash of its text, so
 * each connection parses and plans it once and later runs only bind + execute (node-postgres
 * skips the Parse of a name its connection has prepared). Saves PostgreSQL's parse/plan CPU on
 * every repeated statement; the same text always gets the same name, so names never clash.
 */
function namingClient(Base: typeof PgClient): typeof PgClient {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
      name = `q_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  class NamingClient extends Base {
    // node-postgres' overloads: (text | config, values?, callback?). Only parameterised, unnamed statements are named.
    override query(...args: unknown[]): never {
      const [q, values] = args;
      if (Array.isArray(values) && values.length > 0) {
        if (typeof q === 'string') {
          const name = nameOf(q);
          if (name) args[0] = { text: q, name };
        } else if (q && typeof q === 'object' && typeof (q as { text?: unknown }).text === 'string' && !(q as { name?: unknown }).name && !('submit' in q)) {
          const name = nameOf((q as { text: string }).text);
          if (name) args[0] = { ...q, name };
        }
      }
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  }
  return NamingClient;
}

export { sql };
