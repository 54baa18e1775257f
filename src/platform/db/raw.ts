/**
 * A constant SQL text and its parameters straight to the driver, for the few statements on the
 * hot path of a job (tryon repository): Drizzle builds a query's text from its objects on every call
 * (~a third of a worker's CPU per try-on went to that), while here the text is a constant, so each
 * PostgreSQL connection parses and plans it once (client.ts names statements by text) and PGlite's
 * fast client prepares it once (pglite-fast.ts). Rows come back as the driver gives them:
 * snake_case columns, timestamps as Date, json/jsonb parsed.
 */
import type { Db } from './client.js';

type QueryClient = { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> };

export async function rawRows<T>(db: Db, text: string, params: unknown[]): Promise<T[]> {
  const client = (db as unknown as { $client?: QueryClient }).$client;
  if (!client || typeof client.query !== 'function') throw new Error('rawRows: this database handle has no driver client (a transaction?)');
  const res = await client.query(text, params);
  return res.rows as T[];
}
