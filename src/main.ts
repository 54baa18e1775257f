/**
 * Start the platform: load config -> build deps -> build app -> listen; start workers;
 * close gracefully on SIGINT/SIGTERM.
 */
import type { Config, Role } from './config.js';
import { publicUrlWarning } from './config.js';
import { createDeps } from './deps.js';
import { buildApp } from './app.js';
import { seedDemo } from './seed.js';
import { startMaintenance } from './maintenance.js';
import { autovacuumOn } from './platform/db/maintenance.js';

export type Started = { url: string | undefined; close: () => Promise<void> };

export async function start(config: Config, role: Role = 'all', opts: { print?: (line: string) => void } = {}): Promise<Started> {
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const deps = await createDeps(config);
  const { app, modules } = await buildApp(deps, { role });
  let url: string | undefined;
  try {
    const operator = await modules.tenants.users.ensureFirstOperator(config.admin);
    if (operator?.generated) {
      print('');
      print('  First operator account created. The password is shown only this once:');
      print(`    email:    ${operator.email}`);
      print(`    password: ${operator.password}`);
      print('  (Set PROBADOR_ADMIN_EMAIL and PROBADOR_ADMIN_PASSWORD to choose them yourself.)');
    }
    if (config.seedDemo && role !== 'worker') {
      const demo = await seedDemo(modules.tenants, config);
      if (demo.created) {
        print('');
        print(`  Demo tenant "${demo.tenant.name}" (${demo.tenant.id}) created.`);
        print(`    secret key (shown once):  ${demo.secretKey}`);
        print(`    publishable key:          ${demo.publishableKey}`);
      }
    }
    if (role !== 'worker') {
      await app.listen({ port: config.port, host: config.host });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      url = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
      print('');
      print(`  Probador is running (${deps.database.driver === 'pglite' ? `embedded: PGlite in ${config.dataDir}` : 'PostgreSQL'}${deps.redis ? ' + Redis' : ''}, role ${role})`);
      print(`    API:       ${url}/v1`);
      print(`    API docs:  ${url}/docs`);
      print(`    OpenAPI:   ${url}/openapi.json`);
      print(`    Health:    ${url}/health  ${url}/ready  ${url}/metrics`);
      print(`    Demo:      ${url}/demo  (the demo store with the try-on widget)`);
      const widget = modules.web.describe();
      if (widget) print(`    Widget:    ${url}${widget.alias}  pinned: ${url}${widget.file}  integrity="${widget.integrity}"`);
      else print('    Widget:    not built (npm run build:widget)');
      print('');
    } else {
      await app.ready();
      print(`  Probador worker started (${deps.database.driver}${deps.redis ? ' + Redis' : ''}).`);
    }
  } catch (e) {
    await app.close().catch(() => undefined);
    await deps.close();
    throw e;
  }
  const noPublicUrl = publicUrlWarning(config);
  if (noPublicUrl && role !== 'worker') deps.log.warn(noPublicUrl);
  if ((await autovacuumOn(deps.database).catch(() => undefined)) === false) {
    deps.log.warn('PostgreSQL runs with autovacuum off: tables keep every dead row version and get no planner statistics unless an operator vacuums them; turn autovacuum on');
  }
  const stopMaintenance = role === 'api' ? undefined : startMaintenance(deps, {
          purgeTryons: () => modules.tryon.purgeExpired(),
          purgeGenerations: () => modules.generation.purgeExpired(),
          webhooks: async () => {
            await modules.webhooks.recoverOverdue();
            await modules.webhooks.purgeDeliveries();
          },
        });
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= (async () => {
        stopMaintenance?.();
        await app.close();
        await deps.close();
      })();
      return closing;
    },
  };
}
