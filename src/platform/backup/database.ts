/**
 * The database side of backups: its migration level, the dump (PGlite's data directory through its
 * own `dumpDataDir`, PostgreSQL through `pg_dump --format=custom`) and putting a dump back (the
 * PGlite data directory unpacked in place, `pg_restore` into an empty database).
 *
 * PostgreSQL's tools get the connection as a URL without its password (the password goes in
 * PGPASSWORD, so it never shows in the process list) and must be at least the server's major
 * version (pg_dump refuses an older one with a clear message, passed on).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar';
import type { Database } from '../db/client.js';
import { migrationsFolder } from '../db/client.js';
import { rawRows } from '../db/raw.js';
import { BackupArchiveError, BackupError } from './errors.js';

export type MigrationLevel = { applied: number; latest: string | null };

type JournalEntry = { idx: number; when: number; tag: string };

/** The migrations this build carries (migrations/meta/_journal.json). */
export function installedMigrations(): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] };
  return journal.entries;
}

/** How far a database is migrated: drizzle's migrations table, the last row named by the journal. */
export async function migrationLevel(database: Database): Promise<MigrationLevel> {
  let rows: { created_at: string | number }[];
  try {
    rows = await rawRows<{ created_at: string | number }>(database.db, 'select created_at from drizzle.__drizzle_migrations order by created_at', []);
  } catch {
    return { applied: 0, latest: null }; // never migrated
  }
  const last = rows.at(-1);
  const tag = last ? installedMigrations().find((e) => String(e.when) === String(last.created_at))?.tag : undefined;
  return { applied: rows.length, latest: last ? (tag ?? `unknown (${String(last.created_at)})`) : null };
}

/** The engine's own version: PostgreSQL's server_version (PGlite: its PostgreSQL's, with the PGlite release). */
export async function engineVersion(database: Database, pgliteVersion?: string): Promise<string> {
  const [row] = await rawRows<{ v: string }>(database.db, "select current_setting('server_version') as v", []);
  return database.driver === 'pglite' ? `PGlite ${pgliteVersion ?? '?'} (PostgreSQL ${row?.v ?? '?'})` : `PostgreSQL ${row?.v ?? '?'}`;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: pg_dump, pg_restore

/** The URL without its password, and the password for PGPASSWORD. */
function libpqTarget(url: string): { dbname: string; env: Record<string, string> } {
  const u = new URL(url);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.password = '';
  return { dbname: u.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Run one of PostgreSQL's client tools; its stderr in the error when it fails. */
function runTool(tool: 'pg_dump' | 'pg_restore', args: string[], url: string): Promise<void> {
  const { dbname, env } = libpqTarget(url);
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [`--dbname=${dbname}`, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 8000) stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new BackupError(`${tool} is not installed (or not on PATH): a PostgreSQL database is backed up and restored with PostgreSQL's client tools, at least the server's major version (Debian/Ubuntu: apt-get install postgresql-client)`)
          : new BackupError(`cannot run ${tool}: ${e.message}`),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const lines = stderr.trim().split('\n').filter(Boolean).slice(0, 6).join('\n  ');
      reject(new BackupError(`${tool} failed (${signal ?? `exit ${code}`})${lines ? `:\n  ${lines}` : ''}`));
    });
  });
}

/** pg_dump's custom format (compressed, restorable table by table) into `file`. */
export async function pgDump(url: string, file: string): Promise<void> {
  await runTool('pg_dump', ['--format=custom', `--file=${file}`], url);
}

/** Whether Probador's schemas (public, drizzle) hold any table, view or sequence. */
export async function postgresHasData(url: string): Promise<boolean> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'drizzle') and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`,
    );
    return (rows[0]?.n ?? 0) > 0;
  } finally {
    await c.end();
  }
}

/** --force on PostgreSQL: Probador's schemas go (public is made again, empty). Other schemas are left alone. */
export async function dropPostgresSchemas(url: string): Promise<void> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('begin');
    await c.query('drop schema if exists drizzle cascade');
    await c.query('drop schema if exists public cascade');
    await c.query('create schema public');
    await c.query('commit');
  } catch (e) {
    await c.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    await c.end();
  }
}

/** pg_restore into an empty database, in one transaction (all or nothing), objects owned by the connecting user. */
export async function pgRestore(url: string, file: string): Promise<void> {
  await runTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', file], url).catch((e: unknown) => {
    if (e instanceof BackupError && /input file (appears|does not appear)|unsupported version|not a valid archive/i.test(e.message)) throw new BackupArchiveError(`the archive's database dump cannot be read by pg_restore: ${e.message}`);
    throw e;
  });
}

// ---------------------------------------------------------------------------------------------
// PGlite: the data directory

/** The lock file the database layer keeps in a data directory (platform/db/lock.ts): never restored. */
const LOCK_FILE = 'probador.lock';

/**
 * Unpack a PGlite dump (`dumpDataDir`: a gzipped tar of the data directory, names from its root)
 * into `dir`, which must be empty. The same files PGlite's own `loadDataDir` writes, without
 * starting a PostgreSQL instance to write them.
 */
export async function unpackPgliteDump(dump: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Names start with `/` (the data directory's root): tar strips it (TAR_ENTRY_INFO); any other warning is a damaged dump.
  const problems: string[] = [];
  try {
    await extract({
      file: dump,
      cwd: dir,
      filter: (p) => p.replace(/^\/+/, '') !== LOCK_FILE,
      onwarn: (code, message) => {
        if (code !== 'TAR_ENTRY_INFO') problems.push(`${code}: ${message}`);
      },
    });
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0) throw new BackupArchiveError(`the archive's database dump cannot be unpacked: ${problems[0]}`);
  const names = await readdir(dir);
  if (!names.includes('PG_VERSION') || !names.includes('base')) throw new BackupArchiveError("the archive's database dump is not a PostgreSQL data directory");
}

/** Move every entry of `from` into `to` (same file system), but the lock file. */
export async function moveEntries(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  for (const name of await readdir(from)) {
    if (name === LOCK_FILE) continue;
    await rename(join(from, name), join(to, name));
  }
}

/** Remove a folder and everything in it. */
export const removeTree = (dir: string) => rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
