#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=2 --heap-growing-percent=20 --no-allocation-site-pretenuring --v8-pool-size=1 --no-memory-reducer
/**
 * probador start | migrate | seed | tenant … | key … | operator … | backup | restore | tryon …  (see USAGE; --json for scripts)
 *
 * Admin commands run on this process's own connection to the database, except when the embedded
 * database is held by a running server: then they go to that server over its control socket
 * (cli/control-socket.ts) and run there. `tryon` is a client of a running server's HTTP API.
 * `restore` always runs here, on a stopped server's data directory or an empty database.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './platform/db/lock.js';
import { AppError } from './platform/errors.js';
import { ADMIN_COMMANDS, adminRequestOf, type AdminCommand, type AdminRequest, type AdminResult } from './cli/admin-commands.js';
import { sendControl } from './cli/control-socket.js';
import { ClientError, runTryon } from './cli/tryon.js';
import { BackupArchiveError, BackupError } from './platform/backup/errors.js';

const USAGE = `Usage: probador <command> [options]

Commands:
  start [--role all|api|worker] [--port N]   start the server (default: API + worker in one process)
  migrate                                     apply database migrations
  seed                                        create the "Demo Store" tenant, its keys and its catalog (once)
  tenant create --name NAME [--website URL] [--tier free|basic|pro|enterprise] [--origin URL ...]
  tenant list
  key create --tenant ten_… [--kind secret|publishable] [--env live|test] [--name NAME]
  key revoke --tenant ten_… --key key_…
  operator create --email EMAIL [--password P] [--name NAME]   a platform operator (password generated when not given)
  operator reset-password --email EMAIL [--password P]         a new password for an operator; ends their sessions
  backup [--out FILE]                         one archive (.tar.gz) of the database and the blobs (on S3: their keys);
                                              default ./probador-backup-<time>.tar.gz
  restore FILE [--force]                      a backup onto a new data directory or an empty database (checked first;
                                              --force replaces what is there); migrations bring it up to date
  tryon --person FILE --garment FILE [--garment FILE ...] [--product ID ...] [--category tops|bottoms|one-pieces|auto ...]
        [--out result.jpg] [--url http://127.0.0.1:3000] [--key sk_…]
                                              try garments on a photo through a running server, with progress;
                                              writes the result (key also from PROBADOR_API_KEY, URL from PROBADOR_URL)

Admin commands (migrate … backup) work whether or not a server is running: with the embedded
database, a running server carries them out (its control socket in PROBADOR_DATA_DIR/run/).
restore needs the server stopped. Exit codes: 0 done, 1 refused or failed, 2 unknown command or an
archive that cannot be used (damaged, cut short, not a Probador backup).

Options:
  --json    print JSON (for scripts)
  --help    show this help

Settings come from the environment (see README): PORT, DATABASE_URL, REDIS_URL, PROBADOR_DATA_DIR, ...`;

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string', default: 'all' },
      port: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      name: { type: 'string' },
      website: { type: 'string' },
      tier: { type: 'string' },
      origin: { type: 'string', multiple: true },
      tenant: { type: 'string' },
      key: { type: 'string' },
      kind: { type: 'string' },
      env: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      person: { type: 'string' },
      garment: { type: 'string', multiple: true },
      product: { type: 'string', multiple: true },
      category: { type: 'string', multiple: true },
      out: { type: 'string' },
      url: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  const [command, sub] = positionals;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const name = `${command ?? ''}${sub ? ` ${sub}` : ''}`;
  const isAdmin = (ADMIN_COMMANDS as readonly string[]).includes(name);
  if (!command || (command !== 'start' && command !== 'tryon' && command !== 'restore' && !isAdmin) || (command === 'tryon' && sub) || (command === 'restore' && positionals.length > 2)) {
    // Refuse before touching the configuration or the database.
    console.error(command ? `Unknown command: ${positionals.join(' ')}\n\n${USAGE}` : USAGE);
    return 2;
  }

  if (command === 'tryon') {
    return runTryon(values, process.env);
  }

  if (command === 'restore') {
    if (!sub) throw new ConfigError('restore needs the archive: probador restore FILE [--force]');
    const config = loadConfig({ ...process.env });
    const { runRestore } = await import('./cli/restore.js');
    const result = await runRestore(config, resolve(sub), { force: values.force ?? false });
    console.log(values.json ? JSON.stringify(result.data, null, 2) : result.human);
    return 0;
  }

  // Check the arguments before the database is opened (and before anything is written).
  if (command === 'backup') values.out = resolve(values.out ?? (await import('./platform/backup/backup.js')).backupFileName(Date.now()));
  const request = isAdmin ? adminRequestOf(name as AdminCommand, values) : undefined;
  const env = { ...process.env };
  if (values.port) env.PORT = values.port;
  const config = loadConfig(env);

  if (command === 'start') {
    const { serve } = await import('./cli/serve.js');
    await serve(config, values.role ?? 'all', { underNpm: env.npm_lifecycle_event === 'start' });
    return undefined; // keep running
  }

  const result = await runAdminCommand(config, request!, env);
  console.log(values.json ? JSON.stringify(result.data, null, 2) : result.human);
  return 0;
}

/**
 * Run an admin command: through the running server when one holds the embedded database,
 * otherwise here on a connection of our own.
 */
async function runAdminCommand(config: ReturnType<typeof loadConfig>, request: AdminRequest, env: NodeJS.ProcessEnv): Promise<AdminResult> {
  const embedded = config.database.driver === 'pglite';
  const viaServer = async () => {
    // A backup of a large database takes its time.
    const reply = await sendControl(config.dataDir, request, request.command === 'backup' ? 24 * 3600_000 : undefined);
    if (!reply) return undefined;
    if (reply.ok) return reply.result;
    if (reply.error.kind === 'archive') throw new BackupArchiveError(reply.error.message);
    // Printed as an AppError would be: `probador: CODE: message`.
    throw new ConfigError(reply.error.kind === 'app' ? `${reply.error.code}: ${reply.error.message}` : reply.error.message);
  };
  if (embedded) {
    const done = await viaServer();
    if (done) return done;
  }
  const { runLocally } = await import('./cli/local-admin.js');
  try {
    return await runLocally(config, request, { logLevelSet: Boolean(env.LOG_LEVEL) });
  } catch (e) {
    if (!(embedded && e instanceof DataDirLockedError)) throw e;
    // A server holds the directory but its control socket is not up yet (it is starting): wait for it.
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const done = await viaServer();
      if (done) return done;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    if (err instanceof BackupArchiveError) {
      console.error(`probador: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof ClientError || err instanceof BackupError) console.error(`probador: ${err.message}`);
    else if (err instanceof AppError) console.error(`probador: ${err.code}: ${err.message}`);
    else if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`probador: ${(err as Error).message}\n\n${USAGE}`);
    else console.error(err);
    process.exitCode = 1;
  },
);
