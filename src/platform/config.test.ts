/**
 * loadConfig: the only reader of the environment. Parsed once, defaults filled in, drivers chosen,
 * and a mistake (a typo, a bad number, a half-set pair) fails at start with a message naming it.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

/** loadConfig's error message, or a failure when it does not throw a ConfigError. */
function failure(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`expected loadConfig to refuse ${JSON.stringify(env)}`);
}

describe('happy', () => {
  it('an empty environment gives the embedded defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: undefined,
      logLevel: 'info',
      logPretty: 'auto',
      dataDir: resolve('./data'),
      database: { driver: 'pglite', dataDir: resolve('./data', 'pg') },
      redis: undefined,
      admin: undefined,
      bodyLimit: 1_048_576,
      trustProxy: false,
      maxEventLoopDelayMs: 1000,
      accessTokenTtlS: 900,
      refreshTokenTtlS: 30 * 24 * 3600,
      keyCacheTtlMs: 30_000,
      seedDemo: true,
      metricsGc: false,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads every setting, converting numbers and booleans', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://api.example.com/',
      LOG_LEVEL: 'debug',
      LOG_PRETTY: 'yes',
      PROBADOR_DATA_DIR: '/tmp/probador-config-test',
      PROBADOR_BODY_LIMIT: '2048',
      PROBADOR_TRUST_PROXY: 'TRUE',
      PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0',
      PROBADOR_ACCESS_TOKEN_TTL_S: '60',
      PROBADOR_REFRESH_TOKEN_TTL_S: '3600',
      PROBADOR_KEY_CACHE_TTL_MS: '0',
      PROBADOR_SEED_DEMO: '0',
      PROBADOR_METRICS_GC: 'true',
      PROBADOR_ADMIN_EMAIL: 'admin@example.com',
      PROBADOR_ADMIN_PASSWORD: 'a-long-password',
    });
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'https://api.example.com',
      logLevel: 'debug',
      logPretty: true,
      dataDir: '/tmp/probador-config-test',
      database: { driver: 'pglite', dataDir: '/tmp/probador-config-test/pg' },
      bodyLimit: 2048,
      trustProxy: true,
      maxEventLoopDelayMs: 0,
      accessTokenTtlS: 60,
      refreshTokenTtlS: 3600,
      keyCacheTtlMs: 0,
      seedDemo: false,
      metricsGc: true,
      admin: { email: 'admin@example.com', password: 'a-long-password' },
    });
  });

  it('DATABASE_URL selects PostgreSQL and REDIS_URL enables Redis', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/probador', DATABASE_POOL_MAX: '25', REDIS_URL: 'rediss://cache:6380', REDIS_PREFIX: 'shop:' });
    expect(c.database).toEqual({ driver: 'postgres', url: 'postgres://u:p@db:5432/probador', poolMax: 25 });
    expect(c.redis).toEqual({ url: 'rediss://cache:6380', prefix: 'shop:' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/probador' }).database).toEqual({ driver: 'postgres', url: 'postgresql://db/probador', poolMax: 10 });
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'probador:' });
    // Empty means unset.
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '' })).toMatchObject({ database: { driver: 'pglite' }, redis: undefined });
  });

  it('LOG_PRETTY is auto (a terminal decides), or forced either way', () => {
    expect(loadConfig({ LOG_PRETTY: 'auto' }).logPretty).toBe('auto');
    expect(loadConfig({ LOG_PRETTY: 'AUTO' }).logPretty).toBe('auto');
    expect(loadConfig({ LOG_PRETTY: 'false' }).logPretty).toBe(false);
    expect(loadConfig({ LOG_PRETTY: '1' }).logPretty).toBe(true);
  });

  it('scheduled backups: off by default; an interval in minutes, hours or days; the folder under the data directory', () => {
    expect(loadConfig({}).backup).toEqual({ intervalMs: undefined, dir: resolve('./data', 'backups'), keep: 7 });
    expect(loadConfig({ PROBADOR_BACKUP_INTERVAL: '24h', PROBADOR_BACKUP_KEEP: '3' }).backup).toEqual({ intervalMs: 86_400_000, dir: resolve('./data', 'backups'), keep: 3 });
    expect(loadConfig({ PROBADOR_BACKUP_INTERVAL: '30m' }).backup.intervalMs).toBe(1_800_000);
    expect(loadConfig({ PROBADOR_BACKUP_INTERVAL: '7d', PROBADOR_DATA_DIR: '/srv/p', PROBADOR_BACKUP_DIR: 'nightly' }).backup).toMatchObject({ intervalMs: 7 * 86_400_000, dir: '/srv/p/nightly' });
    expect(loadConfig({ PROBADOR_BACKUP_DIR: '/var/backups/probador' }).backup.dir).toBe('/var/backups/probador');
  });

  it('ignores variables that are not its own', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production', PROBADORX: '1' }).port).toBe(3000);
  });
});

describe('errors', () => {
  it('a misspelt PROBADOR_* setting fails, naming it and listing the known ones', () => {
    const msg = failure({ PROBADOR_BODYLIMIT: '2048' });
    expect(msg).toMatch(/^Unknown setting\(s\): PROBADOR_BODYLIMIT\. Known PROBADOR_\* settings: /);
    expect(msg).toContain('PROBADOR_BODY_LIMIT');
    expect(failure({ PROBADOR_DATADIR: 'x', PROBADOR_SEED_DEMOS: 'false' })).toContain('PROBADOR_DATADIR, PROBADOR_SEED_DEMOS');
  });

  it('a bad integer fails, naming the setting and the value', () => {
    expect(failure({ PORT: 'eighty' })).toBe('PORT must be a whole number, got "eighty"');
    expect(failure({ PROBADOR_BODY_LIMIT: '1.5' })).toBe('PROBADOR_BODY_LIMIT must be a whole number, got "1.5"');
    expect(failure({ PROBADOR_BODY_LIMIT: '10kb' })).toBe('PROBADOR_BODY_LIMIT must be a whole number, got "10kb"');
    // In range too.
    expect(failure({ PORT: '70000' })).toMatch(/^Invalid configuration:\n {2}PORT: /);
    expect(failure({ PROBADOR_BODY_LIMIT: '100' })).toMatch(/PROBADOR_BODY_LIMIT: .*1024/);
    expect(failure({ DATABASE_POOL_MAX: '0' })).toMatch(/DATABASE_POOL_MAX: /);
  });

  it('a bad boolean fails, naming the setting and the value', () => {
    expect(failure({ PROBADOR_TRUST_PROXY: 'maybe' })).toBe('PROBADOR_TRUST_PROXY must be true or false, got "maybe"');
    expect(failure({ LOG_PRETTY: 'on' })).toBe('LOG_PRETTY must be auto, true or false, got "on"');
    expect(failure({ PROBADOR_URL: 'localhost:3000' })).toMatch(/PROBADOR_URL: /);
  });

  it('a DATABASE_URL or REDIS_URL of another kind fails', () => {
    expect(failure({ DATABASE_URL: 'mysql://db/probador' })).toMatch(/^Invalid configuration:\n {2}DATABASE_URL: /);
    expect(failure({ DATABASE_URL: 'sqlite:./probador.db' })).toMatch(/DATABASE_URL: /);
    expect(failure({ REDIS_URL: 'memcached://cache' })).toMatch(/REDIS_URL: /);
  });

  it('other bad values fail, naming the setting', () => {
    expect(failure({ LOG_LEVEL: 'verbose' })).toBe('Invalid configuration:\n  LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"');
    expect(failure({ PUBLIC_URL: 'api.example.com' })).toMatch(/PUBLIC_URL: /);
    expect(failure({ PROBADOR_ADMIN_EMAIL: 'not-an-email', PROBADOR_ADMIN_PASSWORD: 'a-long-password' })).toMatch(/PROBADOR_ADMIN_EMAIL: /);
    expect(failure({ PROBADOR_ADMIN_EMAIL: 'admin@example.com', PROBADOR_ADMIN_PASSWORD: 'short' })).toMatch(/PROBADOR_ADMIN_PASSWORD: /);
  });

  it('a backup interval that is not minutes, hours or days (or under a minute) fails; so does keeping none', () => {
    expect(failure({ PROBADOR_BACKUP_INTERVAL: 'daily' })).toMatch(/^Invalid configuration:\n\s+PROBADOR_BACKUP_INTERVAL: must match pattern/);
    expect(failure({ PROBADOR_BACKUP_INTERVAL: '0m' })).toBe('PROBADOR_BACKUP_INTERVAL must be a number of minutes, hours or days, at least a minute (e.g. 30m, 24h, 7d); got "0m"');
    expect(failure({ PROBADOR_BACKUP_KEEP: '0' })).toMatch(/^Invalid configuration:\n\s+PROBADOR_BACKUP_KEEP: /);
  });

  it('the admin email without the password (or the reverse) fails', () => {
    const pair = 'PROBADOR_ADMIN_EMAIL and PROBADOR_ADMIN_PASSWORD go together: set both or neither';
    expect(failure({ PROBADOR_ADMIN_EMAIL: 'admin@example.com' })).toBe(pair);
    expect(failure({ PROBADOR_ADMIN_PASSWORD: 'a-long-password' })).toBe(pair);
  });

  it('the private-host allow-list takes host:port entries only (normalised as URLs write them)', () => {
    expect(loadConfig({ PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: '127.0.0.1:8080, Hooks.Internal:443,[::1]:9000' }).fetch.allowPrivateHosts).toEqual(['127.0.0.1:8080', 'hooks.internal:443', '[::1]:9000']);
    for (const bad of ['localhost', 'http://hooks.internal:443', 'hooks.internal:0', 'hooks.internal:99999', 'a b:80']) {
      expect(failure({ PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: bad })).toMatch(/^PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: ".*" is not host:port/);
    }
  });

  it('lists every problem at once', () => {
    const msg = failure({ PORT: '70000', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', REDIS_URL: 'x', PROBADOR_BODY_LIMIT: '1', PROBADOR_ACCESS_TOKEN_TTL_S: '1' });
    const lines = msg.split('\n').slice(1).map((l) => l.trim().split(':')[0]);
    expect(lines).toEqual(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'REDIS_URL', 'PROBADOR_BODY_LIMIT', 'PROBADOR_ACCESS_TOKEN_TTL_S']);
  });
});

describe('security', () => {
  it('a refused value that may be secret is not echoed for URL settings', () => {
    // The message names the setting; a credential inside a rejected URL must not be printed.
    const msg = failure({ DATABASE_URL: 'mysql://root:s3cr3t-pw@db/probador' });
    expect(msg).toContain('DATABASE_URL');
    expect(msg).not.toContain('s3cr3t-pw');
  });

  it('the admin password is never part of an error message', () => {
    const msg = failure({ PROBADOR_ADMIN_EMAIL: 'bad', PROBADOR_ADMIN_PASSWORD: 'my-secret-password-1' });
    expect(msg).not.toContain('my-secret-password-1');
  });
});
