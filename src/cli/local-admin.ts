/**
 * Admin commands run by the CLI on its own connection to the database (no server holds it).
 * `seed` needs the catalog (whose images go through the try-on module's intake), so it builds the
 * app's modules; the other commands need only the tenants module.
 */
import type { Config } from '../config.js';
import { createDeps } from '../deps.js';
import { buildApp, type BuiltApp } from '../app.js';
import { createTenantsModule } from '../modules/tenants/index.js';
import { seedDemo } from '../seed.js';
import { CLI_ACTOR } from '../platform/audit/index.js';
import { runAdmin, type AdminRequest, type AdminResult } from './admin-commands.js';

export async function runLocally(config: Config, request: AdminRequest, opts: { logLevelSet: boolean }): Promise<AdminResult> {
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
      },
      request,
    );
  } finally {
    await built?.app.close();
    await tenants.close();
    await deps.close();
  }
}
