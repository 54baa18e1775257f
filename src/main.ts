/**
 * Start the platform: load config -> build deps -> build app -> listen; start workers; the
 * control socket for CLI admin commands (embedded database); the start banner, printed last.
 */
import pino, { type Logger } from 'pino';
import type { Config, Role } from './config.js';
import { publicUrlWarning } from './config.js';
import { createDeps, type Deps } from './deps.js';
import { buildApp, type BuiltApp } from './app.js';
import { seedDemo, type SeedResult } from './seed.js';
import { CLI_ACTOR } from './platform/audit/index.js';
import { startMaintenance } from './maintenance.js';
import { autovacuumOn } from './platform/db/maintenance.js';
import { runAdmin } from './cli/admin-commands.js';
import { startControlSocket, type ControlServer } from './cli/control-socket.js';

export type Started = { url: string | undefined; close: () => Promise<void> };

/**
 * With error tracking on, an uncaught exception or unhandled rejection is reported (and flushed,
 * 2 s at most) before the process exits as Node would have made it.
 */
function reportProcessErrors(deps: Deps) {
  const fatal = (source: string) => (err: unknown) => {
    deps.log.fatal({ err, source }, 'process error');
    deps.errors.capture(err, { source });
    void deps.errors.flush(2000).finally(() => process.exit(1));
  };
  process.on('uncaughtException', fatal('uncaughtException'));
  process.on('unhandledRejection', fatal('unhandledRejection'));
}

/** How long the banner waits for the perception models to finish loading (their log line comes first). */
const MODELS_WAIT_MS = 60_000;

export async function start(config: Config, role: Role = 'all', opts: { print?: (line: string) => void } = {}): Promise<Started> {
  const deps = await createDeps(config);
  if (deps.errors.enabled) reportProcessErrors(deps);
  const print = opts.print ?? printThrough(deps.log);
  const { app, modules } = await buildApp(deps, { role });
  let url: string | undefined;
  let control: ControlServer | undefined;
  let stopMaintenance: (() => void) | undefined;
  try {
    const operator = await modules.tenants.users.ensureFirstOperator(config.admin);
    const demo = config.seedDemo && role !== 'worker' ? await seedDemo(modules, config) : undefined;
    const noPublicUrl = publicUrlWarning(config);
    if (noPublicUrl && role !== 'worker') deps.log.warn(noPublicUrl);
    if ((await autovacuumOn(deps.database).catch(() => undefined)) === false) {
      deps.log.warn('PostgreSQL runs with autovacuum off: tables keep every dead row version and get no planner statistics unless an operator vacuums them; turn autovacuum on');
    }
    if (role !== 'worker') {
      await app.listen({ port: config.port, host: config.host });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    } else {
      await app.ready();
    }
    // The embedded database admits one process: CLI admin commands come to this one instead.
    if (deps.database.driver === 'pglite') {
      const backup = async (out: string) => (await import('./backups.js')).backupNow(deps, out);
      control = await startControlSocket(config.dataDir, (req) => runAdmin({ config, tenants: modules.tenants, migrate: () => deps.database.migrate(), seed: () => seedDemo(modules, config, CLI_ACTOR), backup }, req), deps.log);
    }
    // The models' "ready" (or "off") line belongs above the banner, not under it.
    if (modules.perception.status().models === 'loading') {
      await Promise.race([modules.perception.warm(), new Promise((r) => setTimeout(r, MODELS_WAIT_MS).unref())]);
    }
    const operators = operator ? [] : (await modules.tenants.users.listOperators(3)).map((u) => u.email);
    for (const line of banner({ config, role, deps, modules, url, operator, operators, demo, control })) print(line);
    // Housekeeping starts after the banner (its first round, 5 s later, may log what it purged).
    // Scheduled backups (PROBADOR_BACKUP_INTERVAL) run from the same loop, on worker processes.
    const backups = role !== 'api' && config.backup.intervalMs !== undefined ? (await import('./backups.js')).backupScheduleOf(deps) : undefined;
    stopMaintenance =
      role === 'api'
        ? undefined
        : startMaintenance(deps, {
            ...(backups ? { backup: () => backups.runIfDue() } : {}),
            purgeTryons: () => modules.tryon.purgeExpired(),
            purgeGenerations: () => modules.generation.purgeExpired(),
            purgeStyle: () => modules.style.purgeExpired(),
            webhooks: async () => {
              await modules.webhooks.recoverOverdue();
              await modules.webhooks.purgeDeliveries();
            },
            commerce: () => modules.commerce.maintenance(),
          });
  } catch (e) {
    stopMaintenance?.();
    await control?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await deps.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        stopMaintenance?.();
        await control?.close();
        await app.close();
        await deps.close();
      })();
      return closing;
    },
  };
}

/**
 * Lines for stdout written through the logger's own destination: pino writes asynchronously
 * (sonic-boom; its flush() does not wait for a write in flight), so a line written straight to
 * process.stdout could come out before log lines logged earlier. One queue keeps them in order.
 */
function printThrough(log: Logger): (line: string) => void {
  const dest = (log as unknown as Record<symbol, { write: (s: string) => unknown } | undefined>)[pino.symbols.streamSym];
  return dest ? (line) => void dest.write(`${line}\n`) : (line) => void process.stdout.write(`${line}\n`);
}

type BannerInput = {
  config: Config;
  role: Role;
  deps: Deps;
  modules: BuiltApp['modules'];
  url: string | undefined;
  operator: { email: string; password: string; generated: boolean } | undefined;
  operators: string[];
  demo: SeedResult | undefined;
  control: ControlServer | undefined;
};

/** The start banner: where everything is, and on first start the accounts and keys (shown once). */
function banner({ config, role, deps, modules, url, operator, operators, demo, control }: BannerInput): string[] {
  const where = `${deps.database.driver === 'pglite' ? `embedded: PGlite in ${config.dataDir}` : 'PostgreSQL'}${deps.redis ? ' + Redis' : ''}, role ${role}`;
  const out: string[] = [''];
  if (url) {
    out.push(`  Probador is running (${where})`);
    out.push(`    Dashboard: ${url}/dashboard  (operators and store users sign in here)`);
    out.push(`    Demo:      ${url}/demo  (the demo store with the try-on widget)`);
    out.push(`    API:       ${url}/v1`);
    out.push(`    API docs:  ${url}/docs`);
    out.push(`    OpenAPI:   ${url}/openapi.json`);
    out.push(`    Health:    ${url}/health  ${url}/ready  ${url}/metrics`);
    const widget = modules.web.describe();
    if (widget) out.push(`    Widget:    ${url}${widget.alias}  pinned: ${url}${widget.file}  integrity="${widget.integrity}"`);
    else out.push('    Widget:    not built (npm run build:widget)');
  } else {
    out.push(`  Probador worker started (${where}).`);
  }
  out.push('');
  if (operator?.generated) {
    out.push('  First operator account created. The password is shown only this once:');
    out.push(`    email:    ${operator.email}`);
    out.push(`    password: ${operator.password}`);
    out.push('  (Set PROBADOR_ADMIN_EMAIL and PROBADOR_ADMIN_PASSWORD to choose them yourself.)');
  } else if (operator) {
    out.push(`  First operator account created: ${operator.email}, with the password in PROBADOR_ADMIN_PASSWORD.`);
  } else if (operators.length) {
    out.push(`  Operator sign-in: ${operators.join(', ')} (the password was shown at first start).`);
    out.push(`    A new password: npx probador operator reset-password --email ${operators[0]}`);
  }
  if (demo?.created) {
    out.push('');
    out.push(`  Demo tenant "${demo.tenant.name}" (${demo.tenant.id}) created, with ${demo.productsAdded.length} products in its catalog (${demo.productsAdded.join(', ')}).`);
    out.push(`    secret key (shown once):  ${demo.secretKey}`);
    out.push(`    publishable key:          ${demo.publishableKey}`);
    out.push(`  For the README's "Try it":  KEY=${demo.secretKey}`);
  } else if (demo) {
    out.push(`  ${demo.tenant.name} (${demo.tenant.id}): its keys were shown at first start.${demo.productsAdded.length ? ` Demo products added to its catalog: ${demo.productsAdded.join(', ')}.` : ''}`);
    out.push(`    Another secret key: npx probador key create --tenant ${demo.tenant.id} --env test`);
  }
  out.push('');
  if (control) out.push('  CLI admin commands (npx probador --help) reach this server while it runs.');
  out.push('  Stop: Ctrl-C.');
  out.push('');
  return out;
}
