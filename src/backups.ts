/**
 * Backups wired to this app (platform/backup does the work): what a backup reads — the database,
 * the blob store, the version — for `probador backup` (run here, or by a running embedded server
 * for the CLI) and for the scheduled backups of worker processes (PROBADOR_BACKUP_INTERVAL).
 * Loaded on first use: a server without scheduled backups never loads the archive code.
 */
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import type { Database } from './platform/db/client.js';
import type { BlobStore } from './platform/storage/blob-store.js';
import { createBackup, type BackupResult, type BackupSource } from './platform/backup/backup.js';
import { createBackupSchedule, type BackupSchedule } from './platform/backup/schedule.js';
import { version } from './version.js';

export function backupSourceOf(config: Config, database: Database, blobs: BlobStore, now: () => number): BackupSource {
  return {
    database,
    postgresUrl: config.database.driver === 'postgres' ? config.database.url : undefined,
    blobs,
    s3: config.storage.driver === 's3' ? { bucket: config.storage.bucket, prefix: config.storage.prefix } : undefined,
    serverVersion: version,
    now,
  };
}

/** A backup now, by this process, to `file`. */
export function backupNow(deps: Deps, file: string): Promise<BackupResult> {
  return createBackup(backupSourceOf(deps.config, deps.database, deps.blobs, () => deps.clock.now()), file);
}

/** The scheduled backups, when PROBADOR_BACKUP_INTERVAL is set. */
export function backupScheduleOf(deps: Deps): BackupSchedule | undefined {
  const { intervalMs, dir, keep } = deps.config.backup;
  if (intervalMs === undefined) return undefined;
  return createBackupSchedule({
    source: backupSourceOf(deps.config, deps.database, deps.blobs, () => deps.clock.now()),
    dir,
    intervalMs,
    keep,
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    errors: deps.errors,
    registry: deps.metrics.registry,
  });
}
