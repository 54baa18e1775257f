/**
 * The CLI's admin commands (migrate, seed, tenant, key, operator, backup) as data: the flags become an
 * `AdminRequest`, checked against the same schemas the HTTP API uses, and `runAdmin` carries it
 * out on a context — the CLI's own (it opened the database) or the running server's (the request
 * came over the control socket, control-socket.ts). Either way the output is the same.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import type { TSchema } from 'typebox';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { ConfigError, type Config } from '../config.js';
import { presentKey, presentTenant, type TenantsModule } from '../modules/tenants/index.js';
import type { SeedResult } from '../seed.js';
import type { BackupResult } from '../platform/backup/backup.js';
import { CLI_ACTOR } from '../platform/audit/index.js';
import { CreateKeyBody, CreateTenantBody, KeyEnvironment, KeyKind, Tier, type TCreateKeyBody, type TCreateTenantBody } from '../../contracts/tenants.js';

export const ADMIN_COMMANDS = ['migrate', 'seed', 'tenant create', 'tenant list', 'key create', 'key revoke', 'operator create', 'operator reset-password', 'backup'] as const;
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 256 });
const Id = (prefix: string) => Type.String({ pattern: `^${prefix}_[0-9A-Za-z]{1,64}$` });
const closed = { additionalProperties: false } as const;

/** One schema per command (the flags are checked against the command's own, for precise messages). */
const REQUESTS = {
  migrate: Type.Object({ command: Type.Literal('migrate') }, closed),
  seed: Type.Object({ command: Type.Literal('seed') }, closed),
  'tenant create': Type.Object({ command: Type.Literal('tenant create'), body: CreateTenantBody }, closed),
  'tenant list': Type.Object({ command: Type.Literal('tenant list') }, closed),
  'key create': Type.Object({ command: Type.Literal('key create'), tenant: Id('ten'), body: CreateKeyBody }, closed),
  'key revoke': Type.Object({ command: Type.Literal('key revoke'), tenant: Id('ten'), key: Id('key') }, closed),
  'operator create': Type.Object({ command: Type.Literal('operator create'), email: Email, password: Type.Optional(Password), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, closed),
  'operator reset-password': Type.Object({ command: Type.Literal('operator reset-password'), email: Email, password: Type.Optional(Password) }, closed),
  /** `out`: an absolute path (the CLI resolves it: a running server has another working directory). */
  backup: Type.Object({ command: Type.Literal('backup'), out: Type.String({ minLength: 2, maxLength: 4096, pattern: '^/' }) }, closed),
} satisfies Record<AdminCommand, TSchema>;

export const AdminRequestSchema = Type.Union([
  REQUESTS.migrate,
  REQUESTS.seed,
  REQUESTS['tenant create'],
  REQUESTS['tenant list'],
  REQUESTS['key create'],
  REQUESTS['key revoke'],
  REQUESTS['operator create'],
  REQUESTS['operator reset-password'],
  REQUESTS.backup,
]);
export type AdminRequest = Static<typeof AdminRequestSchema>;

/** What a command prints: `human` for people, `data` for --json. */
export type AdminResult = { human: string; data: unknown };

/** A request received from elsewhere (the control socket), checked before anything runs. */
export function parseAdminRequest(value: unknown): AdminRequest {
  if (!Value.Check(AdminRequestSchema, value)) throw new ConfigError('not a valid admin request');
  return value;
}

export type AdminFlags = {
  name?: string | undefined;
  website?: string | undefined;
  tier?: string | undefined;
  origin?: string[] | undefined;
  tenant?: string | undefined;
  key?: string | undefined;
  kind?: string | undefined;
  env?: string | undefined;
  email?: string | undefined;
  password?: string | undefined;
  /** backup: the archive to write, an absolute path (cli.ts resolves --out, or names one in the working directory). */
  out?: string | undefined;
};

/** The value of a flag whose schema is a union of string literals (tier, kind, env), checked against it. */
function oneOf<T extends string>(flag: string, value: string | undefined, union: { anyOf: readonly { const: T }[] }): T | undefined {
  if (value === undefined) return undefined;
  const allowed = union.anyOf.map((s) => s.const);
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`--${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

/** Validate against a schema, naming the flags (not the JSON fields) in the message. */
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

/** The request for a command and its flags; refused (ConfigError) before anything is opened or written. */
export function adminRequestOf(command: AdminCommand, values: AdminFlags): AdminRequest {
  switch (command) {
    case 'migrate':
    case 'seed':
    case 'tenant list':
      return { command };
    case 'tenant create': {
      if (!values.name) throw new ConfigError('tenant create needs --name');
      const body: TCreateTenantBody = {
        name: values.name,
        ...(values.website ? { website: values.website } : {}),
        ...(values.tier ? { tier: oneOf('tier', values.tier, Tier) } : {}),
        ...(values.origin ? { allowed_origins: values.origin } : {}),
      };
      return { command, body: checkBody(CreateTenantBody, body, { name: '--name', website: '--website', tier: '--tier', allowed_origins: '--origin' }) };
    }
    case 'key create': {
      if (!values.tenant) throw new ConfigError('key create needs --tenant ten_…');
      const body: TCreateKeyBody = {
        kind: oneOf('kind', values.kind, KeyKind) ?? 'secret',
        environment: oneOf('env', values.env, KeyEnvironment) ?? 'live',
        ...(values.name ? { name: values.name } : {}),
      };
      checkBody(CreateKeyBody, body, { name: '--name' });
      return checkBody(REQUESTS[command], { command, tenant: values.tenant, body }, { tenant: '--tenant' });
    }
    case 'key revoke':
      if (!values.tenant || !values.key) throw new ConfigError('key revoke needs --tenant ten_… and --key key_…');
      return checkBody(REQUESTS[command], { command, tenant: values.tenant, key: values.key }, { tenant: '--tenant', key: '--key' });
    case 'operator create':
    case 'operator reset-password': {
      if (!values.email) throw new ConfigError(`operator ${command.split(' ')[1]} needs --email`);
      const req = {
        command,
        email: values.email,
        ...(values.password !== undefined ? { password: values.password } : {}),
        ...(command === 'operator create' && values.name ? { name: values.name } : {}),
      };
      return checkBody(REQUESTS[command], req, { email: '--email', password: '--password', name: '--name' }) as AdminRequest;
    }
    case 'backup':
      if (!values.out || !isAbsolute(values.out)) throw new ConfigError('backup needs an absolute --out path');
      return checkBody(REQUESTS[command], { command, out: values.out }, { out: '--out' });
  }
}

/** What a command needs to run: the CLI's own modules, or the running server's. */
export type AdminContext = {
  config: Config;
  tenants: TenantsModule;
  migrate: () => Promise<void>;
  seed: () => Promise<SeedResult>;
  /** Write a backup archive to this absolute path. */
  backup: (out: string) => Promise<BackupResult>;
};

/** A password for a person who did not choose one: 20 characters of base64url (120 bits). */
const generatePassword = () => randomBytes(15).toString('base64url');

/** What `backup` prints. */
export async function presentBackup(r: BackupResult): Promise<AdminResult> {
  const { describeBackup } = await import('../platform/backup/backup.js');
  return { human: describeBackup(r), data: { file: r.file, bytes: r.bytes, duration_ms: r.durationMs, database: r.database, migrations: r.migrations, blobs: r.blobs } };
}

export async function runAdmin(ctx: AdminContext, req: AdminRequest): Promise<AdminResult> {
  const { tenants } = ctx;
  switch (req.command) {
    case 'migrate':
      await ctx.migrate();
      return { human: 'Migrations applied.', data: { ok: true } };
    case 'seed': {
      const r = await ctx.seed();
      const products = r.productsAdded.length ? `\n  ${r.productsAdded.length} demo product(s) added to its catalog: ${r.productsAdded.join(', ')}` : '';
      if (r.created) {
        return {
          human: `Created ${r.tenant.name} (${r.tenant.id})\n  secret key (shown once): ${r.secretKey}\n  publishable key: ${r.publishableKey}${products}`,
          data: { tenant: presentTenant(r.tenant), secret_key: r.secretKey, publishable_key: r.publishableKey, products_added: r.productsAdded },
        };
      }
      return { human: `${r.tenant.name} (${r.tenant.id}) already exists.${products}`, data: { tenant: presentTenant(r.tenant), created: false, products_added: r.productsAdded } };
    }
    case 'tenant create': {
      const t = await tenants.tenants.createTenant(req.body, CLI_ACTOR);
      return { human: `Created tenant ${t.name} (${t.id})`, data: presentTenant(t) };
    }
    case 'tenant list': {
      const page = await tenants.tenants.listTenants({ limit: 100 });
      return { human: page.data.map((t) => `${t.id}  ${t.tier.padEnd(10)} ${t.active ? 'active  ' : 'inactive'} ${t.name}`).join('\n') || '(no tenants)', data: page.data.map(presentTenant) };
    }
    case 'key create': {
      const k = await tenants.tenants.createKey(req.tenant, req.body, CLI_ACTOR);
      return { human: `Created ${k.kind} key ${k.id}. Copy it now, it is not shown again:\n  ${k.key}`, data: k };
    }
    case 'key revoke': {
      const k = await tenants.tenants.revokeKey(req.tenant, req.key, CLI_ACTOR);
      return { human: `Revoked ${k.id} (${k.prefix}…)`, data: presentKey(k, Date.now()) };
    }
    case 'operator create': {
      const password = req.password ?? generatePassword();
      const u = await tenants.users.createUser({ email: req.email, password, role: 'operator', tenantId: null, name: req.name ?? null }, CLI_ACTOR);
      const shown = req.password === undefined ? `\n  password (shown once): ${password}` : '';
      return {
        human: `Created operator ${u.email} (${u.id}). They sign in at /dashboard.${shown}`,
        data: { id: u.id, object: 'user', email: u.email, role: u.role, ...(req.password === undefined ? { password } : {}) },
      };
    }
    case 'backup':
      return presentBackup(await ctx.backup(req.out));
    case 'operator reset-password': {
      const password = req.password ?? generatePassword();
      const u = await tenants.users.resetOperatorPassword(req.email, password, CLI_ACTOR);
      const shown = req.password === undefined ? `\n  new password (shown once): ${password}` : '';
      return {
        human: `Password of operator ${u.email} (${u.id}) changed; their sessions were ended.${shown}`,
        data: { id: u.id, object: 'user', email: u.email, role: u.role, ...(req.password === undefined ? { password } : {}) },
      };
    }
  }
}
