#!/usr/bin/env node
/**
 * probador start [--role all|api|worker] [--port N] | migrate | seed | tenant create | key create | key revoke
 * Add --json for machine-readable output.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Role } from './config.js';
import { DataDirLockedError } from './platform/db/lock.js';
import { createDeps } from './deps.js';
import { createTenantsModule } from './modules/tenants/index.js';
import { presentKey, presentTenant } from './modules/tenants/index.js';
import { seedDemo } from './seed.js';
import { start } from './main.js';
import { AppError } from './platform/errors.js';

const USAGE = `Usage: probador <command> [options]

Commands:
  start [--role all|api|worker] [--port N]   start the server (default: API + worker in one process)
  migrate                                     apply database migrations
  seed                                        create the "Demo Store" tenant and its keys (once)
  tenant create --name NAME [--website URL] [--tier free|basic|pro|enterprise] [--origin URL ...]
  tenant list
  key create --tenant ten_… [--kind secret|publishable] [--env live|test] [--name NAME]
  key revoke --tenant ten_… --key key_…

Options:
  --json    print JSON (for scripts)
  --help    show this help

Settings come from the environment (see README): PORT, DATABASE_URL, REDIS_URL, PROBADOR_DATA_DIR, ...`;

const ROLES: Role[] = ['all', 'api', 'worker'];

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
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  const env = { ...process.env };
  if (values.port) env.PORT = values.port;
  const config = loadConfig(env);
  const out = (human: string, data: unknown) => console.log(values.json ? JSON.stringify(data, null, 2) : human);

  if (command === 'start') {
    const role = values.role as Role;
    if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
    const server = await start(config, role);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`  ${signal} received: closing…`);
      const force = setTimeout(() => process.exit(1), 15_000);
      force.unref();
      await server.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    return undefined; // keep running
  }

  const deps = await createDeps(config, { defaultMetrics: false });
  const tenants = createTenantsModule(deps);
  try {
    switch (`${command}${sub ? ` ${sub}` : ''}`) {
      case 'migrate':
        out('Migrations applied.', { ok: true });
        return 0;
      case 'seed': {
        const r = await seedDemo(tenants, config);
        if (r.created) out(`Created ${r.tenant.name} (${r.tenant.id})\n  secret key (shown once): ${r.secretKey}\n  publishable key: ${r.publishableKey}`, { tenant: presentTenant(r.tenant), secret_key: r.secretKey, publishable_key: r.publishableKey });
        else out(`${r.tenant.name} (${r.tenant.id}) already exists.`, { tenant: presentTenant(r.tenant), created: false });
        return 0;
      }
      case 'tenant create': {
        if (!values.name) throw new ConfigError('tenant create needs --name');
        const t = await tenants.tenants.createTenant({
          name: values.name,
          ...(values.website ? { website: values.website } : {}),
          ...(values.tier ? { tier: values.tier as 'free' } : {}),
          ...(values.origin ? { allowed_origins: values.origin } : {}),
        });
        out(`Created tenant ${t.name} (${t.id})`, presentTenant(t));
        return 0;
      }
      case 'tenant list': {
        const page = await tenants.tenants.listTenants({ limit: 100 });
        out(page.data.map((t) => `${t.id}  ${t.tier.padEnd(10)} ${t.active ? 'active  ' : 'inactive'} ${t.name}`).join('\n') || '(no tenants)', page.data.map(presentTenant));
        return 0;
      }
      case 'key create': {
        if (!values.tenant) throw new ConfigError('key create needs --tenant ten_…');
        const k = await tenants.tenants.createKey(values.tenant, {
          kind: (values.kind ?? 'secret') as 'secret',
          environment: (values.env ?? 'live') as 'live',
          ...(values.name ? { name: values.name } : {}),
        });
        out(`Created ${k.kind} key ${k.id}. Copy it now, it is not shown again:\n  ${k.key}`, k);
        return 0;
      }
      case 'key revoke': {
        if (!values.tenant || !values.key) throw new ConfigError('key revoke needs --tenant ten_… and --key key_…');
        const k = await tenants.tenants.revokeKey(values.tenant, values.key);
        out(`Revoked ${k.id} (${k.prefix}…)`, presentKey(k, Date.now()));
        return 0;
      }
      default:
        console.error(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await tenants.close();
    await deps.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err) => {
    if (err instanceof ConfigError || err instanceof DataDirLockedError) console.error(`probador: ${err.message}`);
    else if (err instanceof AppError) console.error(`probador: ${err.code}: ${err.message}`);
    else if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`probador: ${(err as Error).message}\n\n${USAGE}`);
    else console.error(err);
    process.exitCode = 1;
  },
);
