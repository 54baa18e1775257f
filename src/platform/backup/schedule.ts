/**
 * Scheduled backups (PROBADOR_BACKUP_INTERVAL, off by default): the worker's maintenance loop asks
 * `runIfDue` every minute. A backup is due when the last one started at least an interval ago; that
 * time is kept in the database (`platform_settings` row `backup.schedule`), claimed by one atomic
 * statement, so a restart neither repeats nor skips one, and of several workers on PostgreSQL only
 * one runs it (in a process, one at a time). A failed backup is tried again after `retryMs` (15
 * minutes, or the interval when shorter), logged and reported to error tracking.
 *
 * The archives go to PROBADOR_BACKUP_DIR (default <data dir>/backups, mode 0700) named by time;
 * after each success only the newest PROBADOR_BACKUP_KEEP of them stay (other files there are
 * never touched). Figures in /metrics: the last success's time, size and duration, failures.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { rawRows } from '../db/raw.js';
import type { ErrorReporter } from '../observability/error-reports.js';
import { BACKUP_FILE_PATTERN, backupFileName, createBackup, type BackupResult, type BackupSource } from './backup.js';

export const SCHEDULE_SETTING = 'backup.schedule';

export type BackupScheduleOptions = {
  source: BackupSource;
  dir: string;
  intervalMs: number;
  keep: number;
  db: Db;
  clock: Clock;
  log: Logger;
  errors: ErrorReporter;
  registry: Registry;
  retryMs?: number;
};

export type BackupSchedule = {
  /** Run a backup when one is due (and none runs here); undefined when none ran. Never throws. */
  runIfDue: () => Promise<BackupResult | undefined>;
};

/** The archives of this schedule in `dir`, oldest first. */
export async function listBackups(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const order = (n: string) => {
    const [, stamp = '', seq = '0'] = /^probador-backup-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.gz$/.exec(n) ?? [];
    return `${stamp}.${seq.padStart(6, '0')}`;
  };
  return names.filter((n) => BACKUP_FILE_PATTERN.test(n)).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** Keep the newest `keep` archives; returns the names removed. */
export async function applyRetention(dir: string, keep: number): Promise<string[]> {
  const all = await listBackups(dir);
  const gone = all.slice(0, Math.max(0, all.length - keep));
  for (const name of gone) await rm(join(dir, name), { force: true });
  return gone;
}

/** A new archive's path in `dir`: the time, and a sequence number should that name be taken. */
function nextFile(dir: string, at: number): string {
  const base = backupFileName(at);
  if (!existsSync(join(dir, base))) return join(dir, base);
  for (let i = 2; ; i++) {
    const name = base.replace(/\.tar\.gz$/, `-${i}.tar.gz`);
    if (!existsSync(join(dir, name))) return join(dir, name);
  }
}

/** Partial archives a crashed process left (older than an hour). */
async function removeStalePartials(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!/^\.probador-backup-.*\.partial(\.pgdump)?$/.test(name)) continue;
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > 3_600_000) await rm(join(dir, name), { force: true });
  }
}

export function createBackupSchedule(o: BackupScheduleOptions): BackupSchedule {
  const retryMs = Math.min(o.retryMs ?? 15 * 60_000, o.intervalMs);
  const lastSuccess = new Gauge({ name: 'probador_backup_last_success_timestamp_seconds', help: 'When the last scheduled backup succeeded (Unix time)', registers: [o.registry] });
  const lastSize = new Gauge({ name: 'probador_backup_last_size_bytes', help: 'Size of the last successful scheduled backup', registers: [o.registry] });
  const lastDuration = new Gauge({ name: 'probador_backup_last_duration_seconds', help: 'How long the last successful scheduled backup took', registers: [o.registry] });
  const failures = new Counter({ name: 'probador_backup_failures_total', help: 'Scheduled backups that failed', registers: [o.registry] });
  let running: Promise<BackupResult | undefined> | undefined;

  /** Claim the slot: true when the last backup started at least an interval ago (or never). */
  const claim = async (now: number): Promise<boolean> => {
    const rows = await rawRows(
      o.db,
      `insert into platform_settings (key, value) values ($1, $2)
       on conflict (key) do update set value = excluded.value where platform_settings.value <= $3
       returning key`,
      [SCHEDULE_SETTING, new Date(now).toISOString(), new Date(now - o.intervalMs).toISOString()],
    );
    return rows.length > 0;
  };
  /** After a failure: due again in retryMs. */
  const retrySoon = (now: number) =>
    rawRows(o.db, 'update platform_settings set value = $2 where key = $1', [SCHEDULE_SETTING, new Date(now - o.intervalMs + retryMs).toISOString()]);

  const run = async (): Promise<BackupResult | undefined> => {
    const now = o.clock.now();
    if (!(await claim(now))) return undefined;
    try {
      await mkdir(o.dir, { recursive: true, mode: 0o700 });
      await removeStalePartials(o.dir);
      const result = await createBackup(o.source, nextFile(o.dir, now));
      const removed = await applyRetention(o.dir, o.keep);
      lastSuccess.set(o.clock.now() / 1000);
      lastSize.set(result.bytes);
      lastDuration.set(result.durationMs / 1000);
      o.log.info({ file: result.file, bytes: result.bytes, durationMs: result.durationMs, blobs: result.blobs.count, removed }, 'scheduled backup written');
      return result;
    } catch (err) {
      failures.inc();
      o.log.error({ err, dir: o.dir }, 'scheduled backup failed');
      o.errors.capture(err, { source: 'backup' });
      await retrySoon(now).catch(() => undefined);
      return undefined;
    }
  };

  return {
    runIfDue: () => {
      running ??= run()
        .catch((err: unknown) => {
          // The claim itself failed (the database is unreachable): the next round tries again.
          o.log.warn({ err }, 'scheduled backup: cannot check whether one is due');
          return undefined;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },
  };
}
