/**
 * The real app on a real database for every test: PGlite cloned from a migrated template by
 * default; a fresh PostgreSQL database (and a private Redis prefix) when DATABASE_URL /
 * REDIS_URL are set. Seeds an operator and two tenants (A and B), each with a secret and a
 * publishable key. Logs are captured so tests can check what reaches them.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import pg from 'pg';
import { loadConfig, type Config } from '../src/config.js';
import { createDeps, type Deps } from '../src/deps.js';
import { buildApp, type BuiltApp, type BuildOptions } from '../src/app.js';
import { manualClock } from '../src/platform/clock.js';
import type { LightMyRequestResponse } from 'fastify';

export const OPERATOR = { email: 'operator@test.local', password: 'operator-password-1' };

export const usingPostgres = () => Boolean(process.env.DATABASE_URL);
export const usingRedis = () => Boolean(process.env.REDIS_URL);

let pgliteTemplate: Blob | undefined;
function template(): Blob {
  pgliteTemplate ??= new Blob([readFileSync(inject('pgliteTemplate'))]);
  return pgliteTemplate;
}

/** A fresh PostgreSQL database cloned from the migrated template; dropped by the returned function. */
async function clonePostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL!;
  const name = `probador_t_${inject('pgTemplate').replace('probador_tpl_', '')}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name} template ${inject('pgTemplate')}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await c.end();
    },
  };
}

export type TestEnv = Record<string, string | undefined>;

/** Config for a test app: a private data dir, the shared Postgres/Redis when set, and overrides. */
export async function testConfig(env: TestEnv = {}): Promise<{ config: Config; dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'probador-test-'));
  let drop: (() => Promise<void>) | undefined;
  const full: TestEnv = {
    PROBADOR_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    REDIS_PREFIX: `probador-test:${randomBytes(4).toString('hex')}:`,
    PROBADOR_SEED_DEMO: 'false',
    // Load shedding is tested on its own; on a busy 2-core machine it would refuse other tests' requests.
    PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0',
    // Tests move the clock by hours; sessions outlive that unless a test sets its own.
    PROBADOR_ACCESS_TOKEN_TTL_S: String(7 * 24 * 3600),
    // The perception models cost seconds of CPU per app; suites that test them turn them on.
    PROBADOR_PERCEPTION_THREADS: '0',
    PROBADOR_PRECHECK_DEFAULT: 'off',
    PROBADOR_LOCAL_ENGINE_THREADS: '0',
    ...env,
  };
  if (process.env.REDIS_URL && !('REDIS_URL' in env)) full.REDIS_URL = process.env.REDIS_URL;
  if (process.env.DATABASE_URL && !('DATABASE_URL' in env)) {
    const clone = await clonePostgres();
    full.DATABASE_URL = clone.url;
    drop = clone.drop;
  }
  return {
    config: loadConfig(full),
    dataDir,
    cleanup: async () => {
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

export async function createTestApp(
  opts: {
    env?: TestEnv;
    seed?: boolean;
    /** Another node on the same database and Redis (PostgreSQL only). */
    sameDataAs?: { config: Config };
    /** Register more modules on the app (routes, jobs) before it is made ready. */
    extraModules?: (app: BuiltApp['app'], deps: Deps) => void | Promise<void>;
    /** Options for buildApp (e.g. try-on providers pointed at fake servers). */
    build?: BuildOptions;
  } = {},
) {
  const { config, cleanup } = opts.sameDataAs ? { config: opts.sameDataAs.config, cleanup: async () => undefined } : await testConfig(opts.env);
  const clock = manualClock(Date.now());
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const deps: Deps = await createDeps(config, {
    clock,
    logStream,
    defaultMetrics: false,
    migrate: false, // both templates are migrated once in global setup
    ...(config.database.driver === 'pglite' ? { loadDataDir: template() } : {}),
  });
  const { app, modules, compileSchemas } = await buildApp(deps, opts.build);
  await opts.extraModules?.(app, deps);
  await app.ready();

  const close = async () => {
    await app.close();
    await deps.close();
    await cleanup();
  };

  const h = {
    app,
    deps,
    modules,
    /** Compile every route schema not compiled yet (they compile on first use); returns how many. */
    compileSchemas,
    config,
    clock,
    logs,
    close,
    /** Sign in and return a Bearer header. */
    async login(email: string, password: string) {
      const res = await app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      return res.json() as { access_token: string; refresh_token: string; user: { id: string } };
    },
    operatorAuth: { authorization: '' },
    tenantA: undefined as unknown as SeededTenant,
    tenantB: undefined as unknown as SeededTenant,
  };
  if (opts.seed !== false && !opts.sameDataAs) {
    await modules.tenants.users.createUser({ ...OPERATOR, role: 'operator', tenantId: null });
    const tokens = await h.login(OPERATOR.email, OPERATOR.password);
    h.operatorAuth = { authorization: `Bearer ${tokens.access_token}` };
    h.tenantA = await seedTenant(modules, 'Tenant A', 'https://shop-a.example');
    h.tenantB = await seedTenant(modules, 'Tenant B', 'https://shop-b.example');
  }
  return h;
}

export type SeededTenant = { id: string; secretKey: string; publishableKey: string; origin: string };

async function seedTenant(modules: Awaited<ReturnType<typeof buildApp>>['modules'], name: string, origin: string): Promise<SeededTenant> {
  const t = await modules.tenants.tenants.createTenant({ name, tier: 'basic', allowed_origins: [origin] });
  const sk = await modules.tenants.tenants.createKey(t.id, { kind: 'secret', environment: 'live' });
  const pk = await modules.tenants.tenants.createKey(t.id, { kind: 'publishable', environment: 'live' });
  return { id: t.id, secretKey: sk.key, publishableKey: pk.key, origin };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Assert a response is a problem document with this status and code; returns the body. */
export function problem(res: LightMyRequestResponse, status: number, code: string) {
  const body = res.json() as { status: number; code: string; request_id: string; type: string; title: string; detail: string };
  const ctype = String(res.headers['content-type']);
  if (res.statusCode !== status || body.code !== code || !ctype.startsWith('application/problem+json')) {
    throw new Error(`expected ${status} ${code} problem+json, got ${res.statusCode} ${ctype} ${res.body}`);
  }
  if (body.request_id !== res.headers['request-id']) throw new Error('problem request_id does not match the request-id header');
  return body;
}

/**
 * The database settings for a server run as a child process (`npm start`, the CLI): on a run with
 * DATABASE_URL a fresh PostgreSQL database of its own (dropped by `cleanup`), with REDIS_URL a
 * private Redis prefix; on the embedded run nothing (the child uses its PROBADOR_DATA_DIR).
 */
export async function childDatabaseEnv(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  const env: Record<string, string> = {};
  let cleanup = async () => undefined;
  if (usingPostgres()) {
    const clone = await clonePostgres();
    env.DATABASE_URL = clone.url;
    cleanup = async () => void (await clone.drop());
  }
  if (usingRedis()) {
    env.REDIS_URL = process.env.REDIS_URL!;
    env.REDIS_PREFIX = `probador-test:${randomBytes(4).toString('hex')}:`;
  }
  return { env, cleanup };
}
