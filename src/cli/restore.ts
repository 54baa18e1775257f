/**
 * `probador restore FILE [--force]`, run by the CLI itself (never by a running server: the
 * embedded data directory is locked for the whole restore, so a running server refuses it).
 */
import type { Config } from '../config.js';
import { openBlobStore } from '../deps.js';
import { describeRestore, restoreBackup } from '../platform/backup/restore.js';
import type { AdminResult } from './admin-commands.js';

export async function runRestore(config: Config, file: string, opts: { force: boolean }): Promise<AdminResult> {
  const blobs = await openBlobStore(config.storage);
  try {
    const db = config.database;
    const r = await restoreBackup(
      {
        workDir: config.dataDir,
        database: db.driver === 'pglite' ? { driver: 'pglite', dataDir: db.dataDir, sharedBuffersMb: db.sharedBuffersMb } : { driver: 'postgres', url: db.url },
        blobs,
        s3: config.storage.driver === 's3' ? { bucket: config.storage.bucket, prefix: config.storage.prefix } : undefined,
      },
      file,
      opts,
    );
    return {
      human: describeRestore(r),
      data: { file: r.file, created_at: r.createdAt, server_version: r.serverVersion, database: r.database, migrations: r.migrations, blobs: r.blobs, replaced: r.replaced },
    };
  } finally {
    await blobs.close();
  }
}
