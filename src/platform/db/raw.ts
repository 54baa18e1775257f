/**
 * A constant SQL text and its parameters straight to the driver, for the few statements on the
 * hot path of a job (tryon repository): Drizzle builds a query's text from its objects on every call
 * (~a third of a worker's CPU per try-on went to that), while here the text is a constant, so each
 * PostgreSQL connection parses and plans it once (client.ts names statements by text) and PGlite's
 * fast client prepares it once (pglite-fast.ts). Rows come back as the driver gives them:
 * snake_case columns, timestamps as Date, json/jsonb parsed.
 */
import { relaxedClientOf, type Db } from './client.js';

type QueryClient = { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> };

/**
 * `relaxed`: commit without waiting for the WAL to reach the disk (PostgreSQL's asynchronous
 * commit, on connections of its own), for a statement whose last fraction of a second may be lost
 * in a database crash without harm: no row is ever inconsistent (PostgreSQL replays its WAL in
 * order), only the newest relaxed commits can be missing, and every synchronous commit after them
 * flushes them too. Used for the job's start mark, the quota increment and the usage events (see
 * docs/adr/0003-asynchronous-commit.md); on this machine each synchronous commit was a large share
 * of PostgreSQL's CPU per try-on. PGlite ignores it.
 */
export async function rawRows<T>(db: Db, text: string, params: unknown[], opts?: { relaxed?: boolean }): Promise<T[]> {
  const client = (opts?.relaxed ? relaxedClientOf(db) : undefined) ?? (db as unknown as { $client?: QueryClient }).$client;
  if (!client || typeof client.query !== 'function') throw new Error('rawRows: this database handle has no driver client (a transaction?)');
  const res = await client.query(text, params);
  return res.rows as T[];
}
