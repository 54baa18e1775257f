/**
 * `probador backup`: one archive (archive.ts) with the database dump and the blobs (or, on S3, the
 * bucket's keys). The database is dumped first, then the blobs are read: every blob the dump refers
 * to was written before it (a try-on's result is stored before its row says so), so the archive
 * holds it unless a purge removed it meanwhile; blobs written after the dump are extra files no row
 * names, harmless. On the embedded database the dump is PGlite's `dumpDataDir`, taken in the
 * database thread between two statements (a consistent copy of the data directory, as after a
 * crash: PostgreSQL replays its WAL on the first start), so a running server makes it (the CLI
 * reaches it over the control socket) and keeps serving, only its queries wait while the files are
 * copied.
 *
 * The archive is written under a temporary name in the same folder and renamed when complete and
 * flushed: a file with the final name is always a whole backup.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Database } from '../db/client.js';
import { pgliteVersion } from '../db/pglite-template.js';
import type { BlobStore } from '../storage/blob-store.js';
import { impliedContentType } from '../storage/keys.js';
import { BackupError } from './errors.js';
import { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION, BLOBS_DIR, DATABASE_MEMBERS, S3_KEYS_MEMBER, createArchiveWriter, type Manifest, type S3KeysMember } from './archive.js';
import { engineVersion, migrationLevel, pgDump } from './database.js';

export type BackupSource = {
  database: Database;
  /** The PostgreSQL URL pg_dump connects to (PostgreSQL only). */
  postgresUrl?: string | undefined;
  blobs: BlobStore;
  /** S3: where the keys live (recorded in the manifest). */
  s3?: { bucket: string; prefix: string | undefined } | undefined;
  serverVersion: string;
  now: () => number;
};

export type BackupResult = {
  file: string;
  bytes: number;
  durationMs: number;
  database: Manifest['database']['kind'];
  migrations: Manifest['migrations'];
  blobs: Manifest['blobs'];
};

/** `probador-backup-20261207T231500Z.tar.gz` (UTC; names sort by time). */
export function backupFileName(at: number): string {
  return `probador-backup-${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}.tar.gz`;
}
export const BACKUP_FILE_PATTERN = /^probador-backup-\d{8}T\d{6}Z(-\d+)?\.tar\.gz$/;

export async function createBackup(src: BackupSource, file: string): Promise<BackupResult> {
  const started = Date.now();
  if (existsSync(file)) throw new BackupError(`${file} already exists: choose another --out`);
  await mkdir(dirname(file), { recursive: true });
  const partial = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.partial`);
  const writer = await createArchiveWriter(partial);
  const pgDumpFile = `${partial}.pgdump`;
  try {
    const { database } = src;
    const migrations = await migrationLevel(database);
    const kind = database.driver;
    const member = DATABASE_MEMBERS[kind];
    const engine = await engineVersion(database, kind === 'pglite' ? pgliteVersion() : undefined);
    if (kind === 'pglite') {
      if (!database.dumpDataDir) throw new BackupError('this embedded database cannot be dumped (it has no data directory)');
      const dump = await database.dumpDataDir();
      await writer.addBuffer(member, Buffer.from(await dump.arrayBuffer()));
    } else {
      if (!src.postgresUrl) throw new BackupError('no PostgreSQL URL to dump');
      await pgDump(src.postgresUrl, pgDumpFile);
      await writer.addFile(member, pgDumpFile);
      await rm(pgDumpFile, { force: true });
    }

    let count = 0;
    let bytes = 0;
    if (src.blobs.driver === 'fs') {
      for await (const page of src.blobs.list()) {
        for (const { key } of page) {
          const data = await src.blobs.get(key);
          if (!data) continue; // removed since it was listed (a purge)
          const contentType = impliedContentType(key) ? undefined : (await src.blobs.head(key))?.contentType;
          await writer.addBuffer(`${BLOBS_DIR}${key}`, data, { contentType });
          count++;
          bytes += data.length;
        }
      }
    } else {
      const keys: S3KeysMember['keys'] = [];
      for await (const page of src.blobs.list()) {
        for (const b of page) {
          keys.push(b);
          bytes += b.size;
        }
      }
      count = keys.length;
      const listing: S3KeysMember = { bucket: src.s3?.bucket ?? '', prefix: src.s3?.prefix ?? null, keys };
      await writer.addBuffer(S3_KEYS_MEMBER, Buffer.from(JSON.stringify(listing)));
    }

    const blobs: Manifest['blobs'] = src.blobs.driver === 'fs' ? { storage: 'fs', count, bytes } : { storage: 's3', count, bytes, bucket: src.s3?.bucket ?? '', prefix: src.s3?.prefix ?? null };
    const { bytes: size } = await writer.finish({
      format: ARCHIVE_FORMAT,
      format_version: ARCHIVE_FORMAT_VERSION,
      server_version: src.serverVersion,
      created_at: new Date(src.now()).toISOString(),
      database: { kind, member, engine_version: engine },
      migrations,
      blobs,
    });
    if (existsSync(file)) throw new BackupError(`${file} appeared while the backup was written: it is left as it is`);
    await rename(partial, file);
    return { file, bytes: size, durationMs: Date.now() - started, database: kind, migrations, blobs };
  } catch (e) {
    await writer.abort();
    await rm(pgDumpFile, { force: true });
    throw e;
  }
}

/** What the CLI prints for a backup. */
export function describeBackup(r: BackupResult): string {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const blobs = r.blobs.storage === 'fs' ? `${r.blobs.count} blob(s), ${mb(r.blobs.bytes)}` : `the keys of ${r.blobs.count} blob(s) in S3 bucket ${r.blobs.bucket} (their bytes stay in the bucket)`;
  return `Backup written: ${r.file} (${mb(r.bytes)}, ${(r.durationMs / 1000).toFixed(1)} s)\n  database: ${r.database === 'pglite' ? 'embedded (PGlite)' : 'PostgreSQL'}, ${r.migrations.applied} migration(s) applied (${r.migrations.latest ?? 'none'})\n  ${blobs}`;
}
