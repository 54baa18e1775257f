/**
 * `probador restore FILE`: an archive (archive.ts) back onto an empty data directory or database.
 *
 * 1. The archive is unpacked into a staging folder and checked — every member's size and sha256
 *    against its manifest, the format, a migration level this build knows — before anything is
 *    touched. A damaged, truncated or foreign file stops here (BackupArchiveError).
 * 2. The target must be empty (no database, no blobs) unless `force`: then it is replaced.
 *    The embedded data directory is locked for the whole restore (a running server refuses it).
 * 3. The database: PGlite's data directory unpacked in place (what was there with `force` is moved
 *    aside first and removed once the restore has worked); PostgreSQL: pg_restore in one transaction.
 * 4. Migrations: an archive made by an older Probador is brought up to this build's level.
 * 5. The blobs are written through the blob store (a local-folder archive can so also be restored
 *    onto S3). An S3 archive holds only the keys: the bucket must be the one configured; keys it
 *    lacks are counted and reported.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, type DatabaseConfig } from '../db/client.js';
import { lockDataDir } from '../db/lock.js';
import type { BlobStore } from '../storage/blob-store.js';
import { impliedContentType } from '../storage/keys.js';
import { BackupArchiveError, BackupError } from './errors.js';
import { BLOBS_DIR, S3_KEYS_MEMBER, readArchive, type Manifest, type S3KeysMember } from './archive.js';
import { dropPostgresSchemas, installedMigrations, migrationLevel, moveEntries, pgRestore, postgresHasData, removeTree, unpackPgliteDump, type MigrationLevel } from './database.js';

export type RestoreTarget = {
  /** Where the staging folder goes (the data directory: the same file system as the embedded database). */
  workDir: string;
  database: { driver: 'pglite'; dataDir: string; sharedBuffersMb: number } | { driver: 'postgres'; url: string };
  blobs: BlobStore;
  s3?: { bucket: string; prefix: string | undefined } | undefined;
};

export type RestoreResult = {
  file: string;
  createdAt: string;
  serverVersion: string;
  database: Manifest['database']['kind'];
  migrations: { archive: MigrationLevel; now: MigrationLevel };
  blobs: { storage: 'fs' | 's3'; restored: number; missingInBucket?: number };
  replaced: boolean;
};

async function hasBlobs(blobs: BlobStore): Promise<boolean> {
  for await (const page of blobs.list()) if (page.length > 0) return true;
  return false;
}

export async function restoreBackup(target: RestoreTarget, file: string, opts: { force: boolean }): Promise<RestoreResult> {
  await mkdir(target.workDir, { recursive: true });
  const staging = join(target.workDir, `.restore-${randomBytes(4).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  // The embedded data directory is ours from here on: a server that holds it (or starts) is refused.
  const lock = target.database.driver === 'pglite' ? lockDataDir(target.database.dataDir) : undefined;
  let replacedDir: string | undefined;
  try {
    const { manifest, pathOf } = await readArchive(file, staging);

    // What this build can restore.
    if (manifest.database.kind !== target.database.driver) {
      throw new BackupError(
        manifest.database.kind === 'pglite'
          ? 'this archive holds the embedded database (PGlite): restore it without DATABASE_URL'
          : 'this archive holds a PostgreSQL database: restore it with DATABASE_URL set to an empty database',
      );
    }
    const known = installedMigrations();
    if (manifest.migrations.applied > known.length) {
      throw new BackupArchiveError(`this archive comes from a newer Probador (${manifest.server_version}: ${manifest.migrations.applied} migrations, this build knows ${known.length}): restore it with that version or a later one`);
    }
    const s3Keys = manifest.blobs.storage === 's3' ? (JSON.parse(await readFile(pathOf(S3_KEYS_MEMBER), 'utf8')) as S3KeysMember) : undefined;
    if (s3Keys && target.blobs.driver !== 's3') {
      throw new BackupError(`this archive's blobs are in S3 bucket ${s3Keys.bucket} (the archive holds only their keys): set STORAGE_DRIVER=s3 and S3_BUCKET=${s3Keys.bucket} to restore it`);
    }

    // The target: empty, or replaced with --force.
    const db = target.database;
    const dbHasData = db.driver === 'pglite' ? existsSync(join(db.dataDir, 'PG_VERSION')) : await postgresHasData(db.url);
    const blobsHere = !s3Keys && (await hasBlobs(target.blobs));
    if ((dbHasData || blobsHere) && !opts.force) {
      const what = [dbHasData ? (db.driver === 'pglite' ? `a database in ${db.dataDir}` : 'tables in the PostgreSQL database') : '', blobsHere ? 'blobs in the storage' : ''].filter(Boolean).join(' and ');
      throw new BackupError(`the target is not empty (${what}): restore onto a new data directory or an empty database, or add --force to replace what is there`);
    }

    // The database.
    const member = pathOf(manifest.database.member);
    let dbConfig: DatabaseConfig;
    if (db.driver === 'pglite') {
      const unpacked = join(staging, 'pgdata');
      await unpackPgliteDump(member, unpacked);
      if (dbHasData) {
        replacedDir = `${db.dataDir}-replaced-${Date.now()}`;
        await moveEntries(db.dataDir, replacedDir);
      }
      await moveEntries(unpacked, db.dataDir);
      dbConfig = { driver: 'pglite', dataDir: db.dataDir, sharedBuffersMb: db.sharedBuffersMb };
    } else {
      if (dbHasData) await dropPostgresSchemas(db.url);
      await pgRestore(db.url, member);
      dbConfig = { driver: 'postgres', url: db.url, poolMax: 2 };
    }
    lock?.release(); // openDatabase takes it again
    const database = await openDatabase(dbConfig);
    let now: MigrationLevel;
    try {
      await database.migrate();
      now = await migrationLevel(database);
    } finally {
      await database.close();
    }

    // The blobs.
    let restored = 0;
    let missingInBucket: number | undefined;
    if (s3Keys) {
      const present = new Set<string>();
      for await (const page of target.blobs.list()) for (const b of page) present.add(b.key);
      missingInBucket = s3Keys.keys.filter((k) => !present.has(k.key)).length;
    } else {
      const archived = Object.entries(manifest.members).filter(([name]) => name.startsWith(BLOBS_DIR));
      if (blobsHere) {
        // --force: blobs the archive does not hold go.
        const keep = new Set(archived.map(([name]) => name.slice(BLOBS_DIR.length)));
        for await (const page of target.blobs.list()) for (const b of page) if (!keep.has(b.key)) await target.blobs.delete(b.key);
      }
      for (const [name, info] of archived) {
        const key = name.slice(BLOBS_DIR.length);
        await target.blobs.put(key, await readFile(pathOf(name)), impliedContentType(key) ?? info.content_type ?? 'application/octet-stream');
        restored++;
      }
    }
    if (replacedDir) await removeTree(replacedDir);
    replacedDir = undefined;
    return {
      file,
      createdAt: manifest.created_at,
      serverVersion: manifest.server_version,
      database: manifest.database.kind,
      migrations: { archive: manifest.migrations, now },
      blobs: s3Keys ? { storage: 's3', restored: 0, missingInBucket: missingInBucket ?? 0 } : { storage: 'fs', restored },
      replaced: dbHasData || blobsHere,
    };
  } catch (e) {
    if (replacedDir) {
      (e as Error).message += ` (the data directory's previous contents are kept in ${replacedDir})`;
    }
    throw e;
  } finally {
    lock?.release();
    await removeTree(staging);
  }
}

/** What the CLI prints for a restore. */
export function describeRestore(r: RestoreResult): string {
  const m = r.migrations;
  const migrated = m.now.applied > m.archive.applied ? `, migrated from ${m.archive.latest ?? 'none'} to ${m.now.latest}` : '';
  const blobs =
    r.blobs.storage === 'fs'
      ? `${r.blobs.restored} blob(s) restored`
      : r.blobs.missingInBucket
        ? `blobs: in the S3 bucket; ${r.blobs.missingInBucket} key(s) the archive lists are missing from it`
        : 'blobs: in the S3 bucket, every key the archive lists is there';
  return `Restored ${r.file} (made ${r.createdAt} by Probador ${r.serverVersion})${r.replaced ? ', replacing what was there' : ''}\n  database: ${r.database === 'pglite' ? 'embedded (PGlite)' : 'PostgreSQL'}${migrated}\n  ${blobs}`;
}
