/**
 * Backups, for real: `probador backup` while a server runs (embedded: through its control socket;
 * PostgreSQL: pg_dump beside it), the data wiped (a new data directory, a new empty database),
 * `probador restore`, the server started again — the same tenants, the old keys authenticate, the
 * try-on and its result bytes identical. Refusals: a damaged, truncated, tampered or foreign
 * archive (exit 2, nothing touched), a non-empty target (exit 1; --force replaces it). Scheduled
 * backups with retention, their metrics and failures; S3 (the keys, not the bytes); an archive of
 * an older migration level brought up to date. The PostgreSQL cases run when DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { create as tarCreate, list as tarList } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { start, type Started } from '../src/main.js';
import { backupNow, backupScheduleOf } from '../src/backups.js';
import { createBackup } from '../src/platform/backup/backup.js';
import { restoreBackup, type RestoreTarget } from '../src/platform/backup/restore.js';
import { createBackupSchedule } from '../src/platform/backup/schedule.js';
import { installedMigrations } from '../src/platform/backup/database.js';
import { openDatabase, migrationsFolder } from '../src/platform/db/client.js';
import { fsBlobStore } from '../src/platform/storage/blob-store.js';
import { s3BlobStore } from '../src/platform/storage/s3.js';
import { noErrorReports } from '../src/platform/observability/error-reports.js';
import { cliEnv, runCli, ok, json, refused } from './cli-run.js';
import { childDatabaseEnv, createTestApp, usingPostgres } from './harness.js';
import { startFakeS3, type FakeS3 } from './fakes/s3.js';

const SLOW = 600_000;
const made: string[] = [];
const dropped: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of dropped) await d().catch(() => undefined);
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `probador-${name}-`));
  made.push(d);
  return d;
};


/** A new, empty PostgreSQL database (not from the template: nothing in it), dropped after the file. */
async function scratchDatabase(): Promise<string> {
  const base = process.env.DATABASE_URL!;
  const name = `probador_bk_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  dropped.push(async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  });
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

const SERVER_ENV = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0',
  PROBADOR_PERCEPTION_THREADS: '0',
  PROBADOR_LOCAL_ENGINE_THREADS: '0',
  PROBADOR_PRECHECK_DEFAULT: 'off',
  PROBADOR_ADMIN_EMAIL: 'root@backup.test',
  PROBADOR_ADMIN_PASSWORD: 'backup-test-password-1',
};

async function startServer(env: Record<string, string>) {
  const lines: string[] = [];
  const server: Started = await start(loadConfig({ ...SERVER_ENV, ...env }), 'all', { print: (l) => lines.push(l) });
  return { server, base: server.url!, banner: lines.join('\n') };
}

async function http(base: string, path: string, key: string) {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? ((await res.json()) as Record<string, unknown>) : undefined };
}
async function resultBytes(base: string, tryonId: string, key: string): Promise<Buffer> {
  const t = await http(base, `/v1/tryons/${tryonId}`, key);
  expect(t.status).toBe(200);
  const url = (t.body!.result as { url: string }).url;
  const res = await fetch(url.startsWith('http') ? url : `${base}${url}`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

type Mode = 'embedded' | 'postgres';

/** Backup, wipe, restore, start again: everything the first server had, the second has. */
async function roundTrip(mode: Mode) {
  const dataDir1 = tempDir('bk-data1');
  let dbEnv1: Record<string, string> = {};
  if (mode === 'postgres') {
    const child = await childDatabaseEnv(); // a clone of the migrated template, dropped after
    dropped.push(child.cleanup);
    dbEnv1 = { DATABASE_URL: child.env.DATABASE_URL! };
  }
  const env1 = { PROBADOR_DATA_DIR: dataDir1, ...dbEnv1 };
  const cli1 = (args: string[], extra: Record<string, string> = {}) => runCli(args, cliEnv({ ...env1, ...extra }), 300_000);
  const first = await startServer(env1);
  const demoKey = /secret key \(shown once\): +(sk_test_\w+)/.exec(first.banner)?.[1];
  expect(demoKey, first.banner).toBeDefined();
  let file: string;
  let tryonId: string;
  let before: Buffer;
  let tenant: { id: string };
  let key: { id: string; key: string };
  try {
    tenant = json<{ id: string }>(await cli1(['tenant', 'create', '--name', 'Backup Shop', '--tier', 'pro', '--json']));
    key = json<{ id: string; key: string }>(await cli1(['key', 'create', '--tenant', tenant.id, '--json']));
    const out = join(tempDir('bk-tryon'), 'result.jpg');
    const tryon = json<{ id: string; status: string }>(
      await cli1(['tryon', '--url', first.base, '--key', demoKey!, '--person', 'examples/person.jpg', '--garment', 'examples/tee.png', '--category', 'tops', '--out', out, '--json']),
    );
    expect(tryon.status).toBe('succeeded');
    tryonId = tryon.id;
    before = await resultBytes(first.base, tryonId, demoKey!);
    expect(before.length).toBeGreaterThan(1000);

    // The backup, while the server runs.
    file = join(tempDir('bk-out'), 'nightly.tar.gz');
    const made = json<{ file: string; bytes: number; database: string; blobs: { storage: string; count: number }; migrations: { applied: number } }>(await cli1(['backup', '--out', file, '--json']));
    expect(made).toMatchObject({ file, database: mode === 'embedded' ? 'pglite' : 'postgres', blobs: { storage: 'fs' }, migrations: { applied: installedMigrations().length } });
    expect(made.blobs.count).toBeGreaterThanOrEqual(3); // the person, the garment, the result (and the demo catalog's images)
    expect(statSync(file).size).toBe(made.bytes);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    if (mode === 'embedded') {
      // Made by the running server (it still holds the data directory), which kept serving.
      const lock = JSON.parse(readFileSync(join(dataDir1, 'pg', 'probador.lock'), 'utf8')) as { pid: number };
      expect(lock.pid).toBe(process.pid);
    }
    expect((await http(first.base, '/v1/me', key.key)).status).toBe(200);
    const members = new Map<string, number>();
    await tarList({ file, onReadEntry: (e) => void members.set(e.path, e.size ?? 0) });
    expect([...members.keys()]).toContain(mode === 'embedded' ? 'database/pglite-datadir.tar.gz' : 'database/postgres.dump');
    expect([...members.keys()].at(-1)).toBe('manifest.json');
    expect([...members.keys()].filter((m) => m.startsWith('blobs/')).length).toBe(made.blobs.count);
  } finally {
    await first.server.close();
  }

  // Wipe: a new data directory (no database, no blobs) and, on PostgreSQL, a new empty database.
  const dataDir2 = join(tempDir('bk-data2'), 'data');
  const env2: Record<string, string> = { PROBADOR_DATA_DIR: dataDir2, ...(mode === 'postgres' ? { DATABASE_URL: await scratchDatabase() } : {}) };
  const restored = json<{ database: string; blobs: { restored: number }; migrations: { now: { applied: number } }; replaced: boolean }>(await runCli(['restore', file, '--json'], cliEnv(env2), 300_000));
  expect(restored).toMatchObject({ database: mode === 'embedded' ? 'pglite' : 'postgres', replaced: false, migrations: { now: { applied: installedMigrations().length } } });
  expect(restored.blobs.restored).toBeGreaterThanOrEqual(3);

  const second = await startServer(env2);
  try {
    expect(second.banner).not.toMatch(/secret key \(shown once\)/); // the demo store came back: not made again
    const me = await http(second.base, '/v1/me', key.key);
    expect(me.status).toBe(200);
    expect((me.body!.tenant as { id: string }).id).toBe(tenant.id);
    expect((await http(second.base, '/v1/me', demoKey!)).status).toBe(200);
    const t = await http(second.base, `/v1/tryons/${tryonId}`, demoKey!);
    expect(t.body).toMatchObject({ id: tryonId, status: 'succeeded' });
    expect((await resultBytes(second.base, tryonId, demoKey!)).equals(before)).toBe(true);
    // Tenant B's key does not see A's try-on after a restore either.
    expect((await http(second.base, `/v1/tryons/${tryonId}`, key.key)).status).toBe(404);
    const names = json<{ name: string }[]>(await runCli(['tenant', 'list', '--json'], cliEnv(env2))).map((x) => x.name).sort();
    expect(names).toEqual(['Backup Shop', 'Demo Store']);
  } finally {
    await second.server.close();
  }
  return { file, dataDir2, env2 };
}

describe('embedded database: backup while the server runs, wipe, restore, start again', () => {
  let trip: Awaited<ReturnType<typeof roundTrip>>;
  beforeAll(async () => {
    trip = await roundTrip('embedded');
  }, SLOW);

  it('the same tenants, keys, try-ons and result bytes (checked in the round trip)', () => {
    expect(existsSync(trip.file)).toBe(true);
  });

  it('a damaged, truncated, tampered or foreign archive is refused (exit 2) and nothing is touched', async () => {
    const full = readFileSync(trip.file);
    const dir = tempDir('bk-bad');
    const flipped = Buffer.from(full);
    flipped[Math.floor(full.length / 2)]! ^= 0xff;
    writeFileSync(join(dir, 'flipped.tar.gz'), flipped);
    writeFileSync(join(dir, 'cut.tar.gz'), full.subarray(0, Math.floor(full.length * 0.6)));
    writeFileSync(join(dir, 'notes.txt'), 'not an archive at all\n');
    // A well-formed tar.gz that is not ours.
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'readme.md'), '# hello');
    await tarCreate({ gzip: true, file: join(dir, 'other.tar.gz'), cwd: join(dir, 'other') }, ['readme.md']);
    // Ours, with one blob's bytes changed after the manifest was written (gzip and tar intact).
    const unpacked = join(dir, 'unpacked');
    mkdirSync(unpacked);
    const { x } = await import('tar');
    await x({ file: trip.file, cwd: unpacked });
    const names: string[] = [];
    await tarList({ file: trip.file, onReadEntry: (e) => void names.push(e.path) });
    const blob = names.find((n) => n.startsWith('blobs/') && n.endsWith('.jpg'))!;
    const bytes = readFileSync(join(unpacked, blob));
    bytes[bytes.length >> 1]! ^= 0x01;
    writeFileSync(join(unpacked, blob), bytes);
    await tarCreate({ gzip: true, file: join(dir, 'tampered.tar.gz'), cwd: unpacked }, names);

    const cases: [string, RegExp][] = [
      ['flipped.tar.gz', /^probador: .*flipped\.tar\.gz is (not a readable Probador backup \(its compressed data is damaged\)|damaged)/],
      ['cut.tar.gz', /^probador: .*cut\.tar\.gz is not a readable Probador backup \(the file is cut short\)/],
      ['notes.txt', /^probador: .*notes\.txt is not a readable Probador backup \(not a tar\.gz archive\)/],
      ['other.tar.gz', /^probador: .*other\.tar\.gz is not a Probador backup archive as this version writes them: unexpected member "readme\.md"/],
      ['tampered.tar.gz', new RegExp(`^probador: .*tampered\\.tar\\.gz is damaged: the checksum of 1 member\\(s\\) does not match its manifest \\(${blob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`)],
    ];
    for (const [name, message] of cases) {
      const target = join(tempDir('bk-target'), 'data');
      refused(await runCli(['restore', join(dir, name)], cliEnv({ PROBADOR_DATA_DIR: target })), 2, message);
      expect(existsSync(join(target, 'pg', 'PG_VERSION')), name).toBe(false);
      expect(existsSync(join(target, 'blobs')), name).toBe(false);
      expect(readdirSync(target).filter((n) => n.startsWith('.restore-')), name).toEqual([]); // the staging folder is gone
    }
    refused(await runCli(['restore', join(dir, 'missing.tar.gz')], cliEnv({ PROBADOR_DATA_DIR: join(dir, 'x') })), 1, /^probador: cannot read .*missing\.tar\.gz: ENOENT/);
    refused(await runCli(['restore'], cliEnv({ PROBADOR_DATA_DIR: join(dir, 'x') })), 1, /^probador: restore needs the archive: probador restore FILE/);
  }, SLOW);

  it('a non-empty target is refused (exit 1); --force replaces it', async () => {
    refused(await runCli(['restore', trip.file], cliEnv(trip.env2)), 1, /^probador: the target is not empty \(a database in .*\/pg and blobs in the storage\): .* add --force/);
    // Something that is not in the archive goes with --force.
    ok(await runCli(['tenant', 'create', '--name', 'Made After The Backup'], cliEnv(trip.env2)));
    const r = ok(await runCli(['restore', trip.file, '--force'], cliEnv(trip.env2), 300_000));
    expect(r.stdout).toMatch(/^Restored .*nightly\.tar\.gz \(made .* by Probador [\w.-]+\), replacing what was there\n {2}database: embedded \(PGlite\)\n {2}\d+ blob\(s\) restored\n$/);
    const names = json<{ name: string }[]>(await runCli(['tenant', 'list', '--json'], cliEnv(trip.env2))).map((x) => x.name).sort();
    expect(names).toEqual(['Backup Shop', 'Demo Store']);
    expect(readdirSync(join(trip.dataDir2)).filter((n) => n.includes('replaced'))).toEqual([]); // the old contents were removed once it worked
  }, SLOW);

  it('backup without a server opens the database itself; a data directory without a database is refused', async () => {
    const out = join(tempDir('bk-offline'), 'offline.tar.gz');
    const r = ok(await runCli(['backup', '--out', out], cliEnv(trip.env2), 300_000));
    expect(r.stdout).toMatch(/^Backup written: .*offline\.tar\.gz \([\d.]+ MB, [\d.]+ s\)\n {2}database: embedded \(PGlite\), \d+ migration\(s\) applied \(\w+\)\n {2}\d+ blob\(s\), [\d.]+ MB\n$/);
    refused(await runCli(['backup', '--out', out], cliEnv(trip.env2)), 1, /^probador: .*offline\.tar\.gz already exists: choose another --out/);
    const empty = join(tempDir('bk-empty'), 'data');
    refused(await runCli(['backup', '--out', join(empty, 'x.tar.gz')], cliEnv({ PROBADOR_DATA_DIR: empty })), 1, /^probador: there is no database in .*: nothing to back up/);
  }, SLOW);
});

describe.runIf(usingPostgres())('PostgreSQL: pg_dump beside the running server, a new database, pg_restore, start again', () => {
  let trip: Awaited<ReturnType<typeof roundTrip>>;
  beforeAll(async () => {
    trip = await roundTrip('postgres');
  }, SLOW);

  it('the archive carries a pg_dump (custom format); a non-empty database is refused, --force replaces it', async () => {
    const unpacked = tempDir('bk-pg-unpack');
    const { x } = await import('tar');
    await x({ file: trip.file, cwd: unpacked });
    expect(readFileSync(join(unpacked, 'database', 'postgres.dump')).subarray(0, 5).toString()).toBe('PGDMP');
    const manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8'));
    expect(manifest.database).toMatchObject({ kind: 'postgres', engine_version: expect.stringMatching(/^PostgreSQL \d+/) });

    refused(await runCli(['restore', trip.file], cliEnv(trip.env2)), 1, /^probador: the target is not empty \(tables in the PostgreSQL database and blobs in the storage\)/);
    ok(await runCli(['restore', trip.file, '--force'], cliEnv(trip.env2), 300_000));
    const names = json<{ name: string }[]>(await runCli(['tenant', 'list', '--json'], cliEnv(trip.env2))).map((t) => t.name).sort();
    expect(names).toEqual(['Backup Shop', 'Demo Store']);
  }, SLOW);

  it('without pg_dump on the PATH: a clear message', async () => {
    refused(await runCli(['backup', '--out', join(tempDir('bk-nopg'), 'x.tar.gz')], { ...cliEnv(trip.env2), PATH: '/nonexistent' }), 1, /^probador: pg_dump is not installed \(or not on PATH\)/);
  }, SLOW);

  it('an embedded archive is refused onto PostgreSQL', async () => {
    // Any PGlite archive: made here from a harness app on the embedded database.
    const t = await createTestApp({ env: { DATABASE_URL: '' } });
    try {
      expect(t.config.database.driver).toBe('pglite');
      const file = join(tempDir('bk-kind'), 'embedded.tar.gz');
      await backupNow(t.deps, file);
      refused(await runCli(['restore', file], cliEnv({ PROBADOR_DATA_DIR: join(tempDir('bk-kind2'), 'data'), DATABASE_URL: await scratchDatabase() })), 1, /^probador: this archive holds the embedded database \(PGlite\): restore it without DATABASE_URL/);
    } finally {
      await t.close();
    }
  }, SLOW);
});

/** An empty restore target of the harness's database kind (a new data directory, or a new database). */
async function emptyTarget(driver: 'pglite' | 'postgres', blobs: RestoreTarget['blobs']): Promise<RestoreTarget> {
  const workDir = join(tempDir('bk-restore'), 'data');
  return {
    workDir,
    database: driver === 'pglite' ? { driver: 'pglite', dataDir: join(workDir, 'pg'), sharedBuffersMb: 16 } : { driver: 'postgres', url: await scratchDatabase() },
    blobs,
  };
}

describe('scheduled backups', () => {
  it('run when due (claimed in the database), keep the newest N, publish figures, and report failures', async () => {
    const dir = tempDir('bk-schedule');
    // Error tracking's counterpart: a local server that keeps the Sentry envelopes it receives.
    const envelopes: string[] = [];
    const sentry = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        envelopes.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => sentry.listen(0, '127.0.0.1', r));
    const dsn = `http://abcdef0123456789@127.0.0.1:${(sentry.address() as AddressInfo).port}/7`;
    const t = await createTestApp({ env: { PROBADOR_BACKUP_INTERVAL: '1h', PROBADOR_BACKUP_KEEP: '2', PROBADOR_BACKUP_DIR: dir, SENTRY_DSN: dsn } });
    try {
      expect(t.config.backup).toEqual({ intervalMs: 3_600_000, dir, keep: 2 });
      writeFileSync(join(dir, 'notes.txt'), 'not a backup: never removed');
      const schedule = backupScheduleOf(t.deps)!;
      // One at a time: a second call while one runs gets the same run.
      const [a, b] = await Promise.all([schedule.runIfDue(), schedule.runIfDue()]);
      expect(a).toBeDefined();
      expect(b).toBe(a);
      expect(await schedule.runIfDue()).toBeUndefined(); // not due again for an hour
      t.clock.advance(59 * 60_000);
      expect(await schedule.runIfDue()).toBeUndefined();
      const files: string[] = [a!.file];
      for (let i = 0; i < 3; i++) {
        t.clock.advance(61 * 60_000);
        const r = await schedule.runIfDue();
        expect(r, `round ${i}`).toBeDefined();
        files.push(r!.file);
      }
      // The newest two stay; other files are left alone.
      expect(readdirSync(dir).sort()).toEqual([...files.slice(-2).map((f) => f.slice(dir.length + 1)), 'notes.txt'].sort());
      expect(statSync(dir).mode & 0o777).toBe(0o700);

      const metrics = await t.deps.metrics.registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
      expect(value('probador_backup_last_success_timestamp_seconds')).toBeCloseTo(t.clock.now() / 1000, 0);
      expect(value('probador_backup_last_size_bytes')).toBe(statSync(files.at(-1)!).size);
      expect(value('probador_backup_last_duration_seconds')).toBeGreaterThan(0);
      expect(value('probador_backup_failures_total')).toBe(0);

      // Another process sharing the database (another worker) finds it not due: the claim is in the database.
      const other = createBackupSchedule({
        source: { database: t.deps.database, postgresUrl: t.config.database.driver === 'postgres' ? t.config.database.url : undefined, blobs: t.deps.blobs, serverVersion: 'x', now: () => t.clock.now() },
        dir,
        intervalMs: 3_600_000,
        keep: 2,
        db: t.deps.db,
        clock: t.clock,
        log: pino({ level: 'silent' }),
        errors: noErrorReports,
        registry: new Registry(),
      });
      expect(await other.runIfDue()).toBeUndefined();

      // A failure: logged, counted, reported, and tried again after 15 minutes (not an hour).
      rmSync(dir, { recursive: true });
      writeFileSync(dir, 'a file where the folder should be');
      t.clock.advance(61 * 60_000);
      expect(await schedule.runIfDue()).toBeUndefined();
      expect(t.logs.join('')).toMatch(/"msg":"scheduled backup failed"/);
      const after = await t.deps.metrics.registry.metrics();
      expect(after).toMatch(/^probador_backup_failures_total 1$/m);
      await t.deps.errors.flush(5000);
      expect(envelopes.some((e) => e.includes('"source":"backup"') && /EEXIST|ENOTDIR/.test(e)), envelopes.join('\n').slice(0, 2000)).toBe(true);
      rmSync(dir);
      t.clock.advance(10 * 60_000);
      expect(await schedule.runIfDue()).toBeUndefined();
      t.clock.advance(6 * 60_000);
      expect(await schedule.runIfDue()).toBeDefined();
    } finally {
      await t.close();
      sentry.close();
    }
  }, SLOW);

  it('a scheduled archive restores like any other', async () => {
    const dir = tempDir('bk-schedule2');
    const t = await createTestApp({ env: { PROBADOR_BACKUP_INTERVAL: '24h', PROBADOR_BACKUP_DIR: dir } });
    try {
      await t.deps.blobs.put(`tenants/${t.tenantA.id}/notes/a.json`, Buffer.from('{"a":1}'), 'application/json');
      const r = (await backupScheduleOf(t.deps)!.runIfDue())!;
      const target = await emptyTarget(t.config.database.driver, fsBlobStore(join(tempDir('bk-blobs'), 'blobs')));
      const restored = await restoreBackup(target, r.file, { force: false });
      expect(restored.blobs).toEqual({ storage: 'fs', restored: r.blobs.count });
      expect(await target.blobs.head(`tenants/${t.tenantA.id}/notes/a.json`)).toEqual({ size: 7, contentType: 'application/json' }); // the content type came back too
    } finally {
      await t.close();
    }
  }, SLOW);
});

describe('S3: the archive holds the keys, not the bytes', () => {
  let fake: FakeS3;
  beforeAll(async () => {
    fake = await startFakeS3({});
  });
  afterAll(async () => fake?.close());

  it('lists every key with its size and ETag; a restore checks the bucket still has them', async () => {
    const s3Env = {
      STORAGE_DRIVER: 's3',
      S3_BUCKET: fake.bucket,
      S3_ENDPOINT: fake.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'AKIABACKUPTEST',
      S3_SECRET_ACCESS_KEY: 'backup-test-secret',
      S3_PREFIX: 'probador',
    };
    const t = await createTestApp({ env: s3Env });
    try {
      for (let i = 0; i < 3; i++) await t.deps.blobs.put(`tenants/${t.tenantA.id}/r${i}.jpg`, randomBytes(100 + i), 'image/jpeg');
      const file = join(tempDir('bk-s3'), 's3.tar.gz');
      const r = await backupNow(t.deps, file);
      expect(r.blobs).toMatchObject({ storage: 's3', count: 3, bytes: 303, bucket: fake.bucket, prefix: 'probador' });
      const unpacked = tempDir('bk-s3-unpacked');
      const { x } = await import('tar');
      await x({ file, cwd: unpacked });
      expect(existsSync(join(unpacked, 'blobs'))).toBe(false);
      const keys = JSON.parse(readFileSync(join(unpacked, 's3-keys.json'), 'utf8'));
      expect(keys).toMatchObject({ bucket: fake.bucket, prefix: 'probador' });
      expect(keys.keys.map((k: { key: string }) => k.key).sort()).toEqual([0, 1, 2].map((i) => `tenants/${t.tenantA.id}/r${i}.jpg`));
      expect(keys.keys[0].etag).toMatch(/^"[0-9a-f]{32}"$/);

      const store = s3BlobStore({ bucket: fake.bucket, region: 'us-east-1', endpoint: fake.endpoint, forcePathStyle: true, accessKeyId: 'AKIABACKUPTEST', secretAccessKey: 'backup-test-secret', prefix: 'probador' });
      try {
        const whole = await restoreBackup(await emptyTarget(t.config.database.driver, store), file, { force: false });
        expect(whole.blobs).toEqual({ storage: 's3', restored: 0, missingInBucket: 0 });
        await store.delete(`tenants/${t.tenantA.id}/r1.jpg`);
        const gap = await restoreBackup(await emptyTarget(t.config.database.driver, store), file, { force: false });
        expect(gap.blobs).toEqual({ storage: 's3', restored: 0, missingInBucket: 1 });
        // Onto local storage it cannot go: the bytes are not in the archive.
        await expect(restoreBackup(await emptyTarget(t.config.database.driver, fsBlobStore(join(tempDir('bk-fs'), 'blobs'))), file, { force: false })).rejects.toThrow(/this archive's blobs are in S3 bucket .* set STORAGE_DRIVER=s3/);
      } finally {
        await store.close();
      }
    } finally {
      await t.close();
    }
  }, SLOW);
});

describe('an archive from an older Probador', () => {
  it('is brought up to this build\'s migrations on restore', async () => {
    // A database migrated to all but the last migration: the folder copied with a shorter journal.
    const folder = join(tempDir('bk-migrations'), 'migrations');
    cpSync(migrationsFolder(), folder, { recursive: true });
    const journalFile = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    const all = journal.entries.length as number;
    journal.entries = journal.entries.slice(0, -1);
    writeFileSync(journalFile, JSON.stringify(journal));
    const driver = usingPostgres() ? 'postgres' : 'pglite';
    const url = driver === 'postgres' ? await scratchDatabase() : undefined;
    const old = await openDatabase(url ? { driver: 'postgres', url, poolMax: 2 } : { driver: 'pglite' });
    const file = join(tempDir('bk-old'), 'old.tar.gz');
    const blobs = fsBlobStore(join(tempDir('bk-old-blobs'), 'blobs'));
    try {
      await old.migrate(folder);
      const made = await createBackup({ database: old, postgresUrl: url, blobs, serverVersion: '0.0.9', now: Date.now }, file);
      expect(made.migrations).toEqual({ applied: all - 1, latest: journal.entries.at(-1).tag });
    } finally {
      await old.close();
    }
    const target = await emptyTarget(driver, fsBlobStore(join(tempDir('bk-new-blobs'), 'blobs')));
    const r = await restoreBackup(target, file, { force: false });
    expect(r.migrations.archive.applied).toBe(all - 1);
    expect(r.migrations.now).toEqual({ applied: all, latest: installedMigrations().at(-1)!.tag });
    expect(r.serverVersion).toBe('0.0.9');
  }, SLOW);
});
