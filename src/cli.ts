#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=2 --heap-growing-percent=20 --no-allocation-site-pretenuring --v8-pool-size=1 --no-memory-reducer
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
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { CreateKeyBody, CreateTenantBody, KeyEnvironment, KeyKind, Tier, type TCreateKeyBody, type TCreateTenantBody } from '../contracts/tenants.js';

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
const COMMANDS = ['migrate', 'seed', 'tenant create', 'tenant list', 'key create', 'key revoke'];

type Flags = { name?: string | undefined; website?: string | undefined; tier?: string | undefined; origin?: string[] | undefined; tenant?: string | undefined; kind?: string | undefined; env?: string | undefined };

/** The value of a flag whose schema is a union of string literals (tier, kind, env), checked against it. */
function oneOf<T extends string>(flag: string, value: string | undefined, union: { anyOf: readonly { const: T }[] }): T | undefined {
  if (value === undefined) return undefined;
  const allowed = union.anyOf.map((s) => s.const);
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`--${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

/** Validate against the same schema the HTTP API uses, so the CLI cannot store what the API would refuse. */
function checkBody<T>(schema: TSchema, body: T, flags: Record<string, string>): T {
  const errors = [...Value.Errors(schema, body)];
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const field = e.instancePath.split('/')[1] ?? '';
      return `${flags[field] ?? field}: ${e.message}`;
    });
    throw new ConfigError(`Invalid arguments:\n  ${[...new Set(lines)].join('\n  ')}`);
  }
  return body;
}

function checkTenantArgs(values: Flags): TCreateTenantBody {
  if (!values.name) throw new ConfigError('tenant create needs --name');
  const body: TCreateTenantBody = {
    name: values.name,
    ...(values.website ? { website: values.website } : {}),
    ...(values.tier ? { tier: oneOf('tier', values.tier, Tier) } : {}),
    ...(values.origin ? { allowed_origins: values.origin } : {}),
  };
  return checkBody(CreateTenantBody, body, { name: '--name', website: '--website', tier: '--tier', allowed_origins: '--origin' });
}

function checkKeyArgs(values: Flags): TCreateKeyBody {
  if (!values.tenant) throw new ConfigError('key create needs --tenant ten_…');
  const body: TCreateKeyBody = {
    kind: oneOf('kind', values.kind, KeyKind) ?? 'secret',
    environment: oneOf('env', values.env, KeyEnvironment) ?? 'live',
    ...(values.name ? { name: values.name } : {}),
  };
  return checkBody(CreateKeyBody, body, { name: '--name' });
}

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
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const name = `${command ?? ''}${sub ? ` ${sub}` : ''}`;
  if (!command || (command !== 'start' && !COMMANDS.includes(name))) {
    // Refuse before touching the configuration or the database.
    console.error(command ? `Unknown command: ${positionals.join(' ')}\n\n${USAGE}` : USAGE);
    return 2;
  }
  // Check the arguments before the database is opened (and before anything is written).
  const tenantBody = name === 'tenant create' ? checkTenantArgs(values) : undefined;
  const keyBody = name === 'key create' ? checkKeyArgs(values) : undefined;
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
        const t = await tenants.tenants.createTenant(tenantBody!);
        out(`Created tenant ${t.name} (${t.id})`, presentTenant(t));
        return 0;
      }
      case 'tenant list': {
        const page = await tenants.tenants.listTenants({ limit: 100 });
        out(page.data.map((t) => `${t.id}  ${t.tier.padEnd(10)} ${t.active ? 'active  ' : 'inactive'} ${t.name}`).join('\n') || '(no tenants)', page.data.map(presentTenant));
        return 0;
      }
      case 'key create': {
        const k = await tenants.tenants.createKey(values.tenant!, keyBody!);
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
