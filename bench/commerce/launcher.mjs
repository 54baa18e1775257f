/**
 * Nodes for bench/commerce.mjs: the server bundle of bench/commerce/server-entry.mjs (built once per
 * run from src/ with the settings of scripts/build-server.mjs, so it is a snapshot: a later edit
 * changes nothing under test), Probador nodes started from it as `npm start` starts the server
 * (its Node.js flags and environment variables), fresh PostgreSQL databases and Redis prefixes
 * (dropped at clean-up) and the environment a node's config is read from.
 */
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { EXTERNAL } from '../../scripts/build-server.mjs';
import { launchEnv, launchFlags, onCleanup, startChild } from '../lib/children.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Bundle the node (server-entry.mjs + the PGlite thread's entry) into `outdir`; returns the entry file. */
export async function bundleServer(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [join(ROOT, 'bench/commerce/server-entry.mjs'), { in: join(ROOT, 'src/platform/db/pglite-thread.ts'), out: 'pglite-thread' }],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: false,
    sourcemap: 'linked',
    legalComments: 'none',
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL,
    banner: { js: "import { createRequire as __probadorRequire } from 'node:module'; const require = __probadorRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return join(outdir, 'server-entry.js');
}

/** The variables of this process without any Probador setting (nothing leaks into a node). */
function cleanEnv() {
  const e = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PROBADOR_|DATABASE_|REDIS_|BENCH_)/.test(k) || ['PORT', 'HOST', 'PUBLIC_URL', 'LOG_LEVEL', 'LOG_PRETTY', 'NODE_OPTIONS'].includes(k)) continue;
    e[k] = v;
  }
  return e;
}

/** A node's configuration: embedded (a data directory) or PostgreSQL + Redis (a database and a prefix). */
export function nodeEnv({ dataDir, databaseUrl, redisPrefix, poolMax }) {
  return {
    PROBADOR_DATA_DIR: dataDir,
    PROBADOR_SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    PROBADOR_ADMIN_EMAIL: 'bench@example.com',
    PROBADOR_ADMIN_PASSWORD: 'bench-password-123',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, ...(poolMax ? { DATABASE_POOL_MAX: String(poolMax) } : {}) } : {}),
    ...(redisPrefix ? { REDIS_URL, REDIS_PREFIX: redisPrefix } : {}),
  };
}

/**
 * Start a node from the bundle: `npm start`'s flags and variables, BENCH_ROLE, optional pinning,
 * seed and event tap, `nodeArgs` before the entry (the profiling probe). Resolves once it serves: `{ child, base, seed }`.
 */
export async function startNode(entry, name, config, { role = 'all', cpu, seed = false, tap = false, extraEnv = {}, nodeArgs = [] } = {}) {
  const env = { ...cleanEnv(), ...config, ...launchEnv(ROOT), ...extraEnv, BENCH_ROLE: role, PORT: '0', HOST: '127.0.0.1', ...(seed ? { BENCH_SEED: '1' } : {}), ...(tap ? { BENCH_TAP: '1' } : {}) };
  const child = startChild(name, [...launchFlags(ROOT), ...nodeArgs, entry], { env, cwd: ROOT, ready: /READY (\S+)/, cpu, ipc: tap });
  const m = await Promise.race([child.started, new Promise((_, rej) => setTimeout(() => rej(new Error(`${name} not ready after 180 s:\n${child.output().slice(-3000)}`)), 180_000))]);
  const seedLine = /BENCH_SEED (\{.*\})/.exec(child.output());
  return {
    child,
    base: m[1] === 'worker' ? undefined : `http://127.0.0.1:${m[1]}`,
    seed: seedLine ? JSON.parse(seedLine[1]) : undefined,
    standIns: [...child.output().matchAll(/BENCH_STANDIN (\S+)/g)].map((x) => x[1]),
  };
}

/** A fresh data directory under bench/out (removed at clean-up). */
export function dataDirFor(tag) {
  const parent = join(ROOT, 'bench/out/data');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, `commerce-${tag}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh database (dropped at clean-up): its URL and the server's version. */
export async function freshDatabase(tag) {
  const name = `probador_bench_commerce_${tag}_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  let version;
  let autovacuum;
  try {
    version = (await admin.query('show server_version')).rows[0].server_version;
    autovacuum = (await admin.query('show autovacuum')).rows[0].autovacuum;
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  onCleanup(async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(`drop database if exists ${name} with (force)`);
    } finally {
      await c.end();
    }
  });
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, version, autovacuum };
}

/** A Redis prefix of our own and a connection (keys under it deleted at clean-up). */
export async function freshRedis(tag) {
  const prefix = `probador-bench-commerce:${process.pid}:${tag}:`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  const drop = async () => {
    let n = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) if (keys.length) n += await redis.unlink(...keys);
    return n;
  };
  await drop();
  onCleanup(async () => {
    try {
      await drop();
    } finally {
      redis.disconnect();
    }
  });
  return { prefix, redis, version, drop };
}
