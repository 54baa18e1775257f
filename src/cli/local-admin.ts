/**
 * Admin commands run by the CLI on its own connection to the database (no server holds it).
 * `seed` needs the catalog (whose images go through the try-on module's intake), so it builds the
 * app's modules; the other commands need only the tenants module. `backup` opens only the database
 * (not migrated: the archive keeps the level it finds) and the blob store.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { createDeps, openBlobStore } from '../deps.js';
import { openDatabase } from '../platform/db/client.js';
import { BackupError } from '../platform/backup/errors.js';
import { buildApp, type BuiltApp } from '../app.js';
import { createTenantsModule } from '../modules/tenants/index.js';
import { seedDemo } from '../seed.js';
import { CLI_ACTOR } from '../platform/audit/index.js';
import { presentBackup, runAdmin, type AdminRequest, type AdminResult } from './admin-commands.js';

export async function runLocally(config: Config, request: AdminRequest, opts: { logLevelSet: boolean }): Promise<AdminResult> {
  if (request.command === 'backup') return presentBackup(await backupLocally(config, request.out));
  // Logs go to stderr (stdout carries the command's output, JSON with --json), warnings only unless LOG_LEVEL says otherwise.
  const cliConfig = Object.freeze({ ...config, logLevel: opts.logLevelSet ? config.logLevel : 'warn' }) as Config;
  const deps = await createDeps(cliConfig, { defaultMetrics: false, logStream: process.stderr });
  const tenants = createTenantsModule(deps);
  let built: BuiltApp | undefined;
  try {
    return await runAdmin(
      {
        config: cliConfig,
        tenants,
        migrate: async () => undefined, // createDeps applied them
        seed: async () => {
          built ??= await buildApp(deps, { role: 'api' });
          return seedDemo(built.modules, cliConfig, CLI_ACTOR);
        },
        backup: () => Promise.reject(new Error('backup runs before the modules are built')),
      },
      request,
    );
  } finally {
    await built?.app.close();
    await tenants.close();
    await deps.close();
  }
}

async function backupLocally(config: Config, out: string) {
  const db = config.database;
  if (db.driver === 'pglite' && !existsSync(join(db.dataDir, 'PG_VERSION'))) throw new BackupError(`there is no database in ${db.dataDir}: nothing to back up (is PROBADOR_DATA_DIR right?)`);
  const database = await openDatabase(db.driver === 'pglite' ? { driver: 'pglite', dataDir: db.dataDir, sharedBuffersMb: db.sharedBuffersMb } : { ...db, poolMax: 2 });
  try {
    const blobs = await openBlobStore(config.storage);
    try {
      const { backupSourceOf } = await import('../backups.js');
      const { createBackup } = await import('../platform/backup/backup.js');
      return await createBackup(backupSourceOf(config, database, blobs, Date.now), out);
    } finally {
      await blobs.close();
    }
  } finally {
    await database.close();
  }
}
