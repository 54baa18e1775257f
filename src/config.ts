/**
 * The only reader of process.env. One schema, parsed once, frozen.
 * Drivers are chosen here: DATABASE_URL -> PostgreSQL (else PGlite in the data directory),
 * REDIS_URL -> Redis for cache, rate limits, pub/sub and jobs (else in memory / in process).
 */
import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

const Env = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  LOG_PRETTY: Type.Boolean({ default: false }),
  PROBADOR_DATA_DIR: Type.String({ default: './data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  REDIS_PREFIX: Type.String({ default: 'probador:' }),
  PROBADOR_ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  PROBADOR_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10 })),
  PROBADOR_BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  PROBADOR_TRUST_PROXY: Type.Boolean({ default: false }),
  PROBADOR_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  PROBADOR_ACCESS_TOKEN_TTL_S: Type.Integer({ minimum: 30, default: 900 }),
  PROBADOR_REFRESH_TOKEN_TTL_S: Type.Integer({ minimum: 60, default: 30 * 24 * 3600 }),
  PROBADOR_KEY_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 30_000 }),
  PROBADOR_SEED_DEMO: Type.Boolean({ default: true }),
});

type EnvShape = Static<typeof Env>;

export type Role = 'all' | 'api' | 'worker';

export type Config = Readonly<{
  port: number;
  host: string;
  publicUrl: string | undefined;
  logLevel: EnvShape['LOG_LEVEL'];
  logPretty: boolean;
  dataDir: string;
  database: { driver: 'pglite'; dataDir: string } | { driver: 'postgres'; url: string; poolMax: number };
  redis: { url: string; prefix: string } | undefined;
  admin: { email: string; password: string } | undefined;
  bodyLimit: number;
  trustProxy: boolean;
  maxEventLoopDelayMs: number;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  keyCacheTtlMs: number;
  seedDemo: boolean;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/** Parse an environment (process.env by default). Unknown PROBADOR_* names fail, so typos are caught. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = new Set(Object.keys(Env.properties));
  const typos = Object.keys(env).filter((k) => k.startsWith('PROBADOR_') && !known.has(k));
  if (typos.length > 0) throw new ConfigError(`Unknown setting(s): ${typos.join(', ')}. Known PROBADOR_* settings: ${[...known].filter((k) => k.startsWith('PROBADOR_')).join(', ')}`);

  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    const schema = (Env.properties as Record<string, { type?: string }>)[key];
    if (schema?.type === 'boolean') {
      const b = BOOLEAN_WORDS[value.toLowerCase()];
      if (b === undefined) throw new ConfigError(`${key} must be true or false, got "${value}"`);
      raw[key] = b;
    } else if (schema?.type === 'integer') {
      if (!/^-?\d+$/.test(value)) throw new ConfigError(`${key} must be a whole number, got "${value}"`);
      raw[key] = Number(value);
    } else raw[key] = value;
  }
  const withDefaults = Value.Default(Env, raw);
  const errors = [...Value.Errors(Env, withDefaults)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.instancePath.replace(/^\//, '') || '(env)'}: ${e.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = withDefaults as EnvShape;
  if ((e.PROBADOR_ADMIN_EMAIL === undefined) !== (e.PROBADOR_ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('PROBADOR_ADMIN_EMAIL and PROBADOR_ADMIN_PASSWORD go together: set both or neither');
  }
  const dataDir = resolve(e.PROBADOR_DATA_DIR);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    dataDir,
    database: e.DATABASE_URL
      ? { driver: 'postgres' as const, url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX }
      : { driver: 'pglite' as const, dataDir: resolve(dataDir, 'pg') },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    admin: e.PROBADOR_ADMIN_EMAIL && e.PROBADOR_ADMIN_PASSWORD ? { email: e.PROBADOR_ADMIN_EMAIL, password: e.PROBADOR_ADMIN_PASSWORD } : undefined,
    bodyLimit: e.PROBADOR_BODY_LIMIT,
    trustProxy: e.PROBADOR_TRUST_PROXY,
    maxEventLoopDelayMs: e.PROBADOR_MAX_EVENT_LOOP_DELAY_MS,
    accessTokenTtlS: e.PROBADOR_ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: e.PROBADOR_REFRESH_TOKEN_TTL_S,
    keyCacheTtlMs: e.PROBADOR_KEY_CACHE_TTL_MS,
    seedDemo: e.PROBADOR_SEED_DEMO,
  });
}
