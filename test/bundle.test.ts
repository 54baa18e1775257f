/**
 * The server bundle that `npm start` runs (scripts/build-server.mjs → dist/bundle/cli.js): built from
 * the current source into test-output/, then run as the real CLI and server on a fresh embedded data
 * directory. The other suites run the TypeScript source; this one proves the bundle is the same
 * program: CLI commands, key auth, schemas (validation and serialization), OpenAPI and the docs page,
 * problem+json, and that what loads on first use (sharp/libvips) does not load at start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../scripts/build-server.mjs';
import { cliEnv, ROOT, runCli } from './cli-run.js';

const OUT = join(ROOT, 'test-output', `bundle-${process.pid}`);
let entry: string;
let dataDir: string;
let server: ChildProcess | undefined;
let base: string;
let key: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  ({ entry } = await buildServer({ outdir: OUT }));
  dataDir = mkdtempSync(join(tmpdir(), 'probador-bundle-'));
  const env = cliEnv({ PROBADOR_DATA_DIR: dataDir, PROBADOR_SEED_DEMO: 'false' });

  const tenant = await runCli(['tenant', 'create', '--name', 'Bundle Shop', '--tier', 'pro', '--json'], env, 120_000, entry);
  expect(tenant.code, tenant.stderr).toBe(0);
  const created = await runCli(['key', 'create', '--tenant', JSON.parse(tenant.stdout).id, '--name', 'bundle', '--json'], env, 120_000, entry);
  expect(created.code, created.stderr).toBe(0);
  key = JSON.parse(created.stdout).key;

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [entry, 'start', '--port', String(port)], { cwd: ROOT, env: { ...env, HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Probador is running')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the bundled server exited (${code}) before it was up:\n${out}`)));
    setTimeout(() => reject(new Error(`the bundled server did not start in 60 s:\n${out}`)), 60_000).unref();
  });
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(OUT, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the server bundle (dist/bundle/cli.js)', () => {
  it('runs with the same environment and Node.js flags as npm start, and this node accepts them', async () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    // `exec`: the shell npm runs the script in becomes node, so a signal npm forwards reaches the server.
    const m = /^((?:[A-Z_]+=\S+\s+)*)exec node\s+((?:--\S+\s+)*)dist\/bundle\/cli\.js start$/.exec(start);
    expect(m, start).not.toBeNull();
    const shebang = readFileSync(entry, 'utf8').split('\n', 1)[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S ${m![1]}node ${m![2]!.trim()}`);
    const flags = m![2]!.trim().split(/\s+/);
    expect(flags).toEqual(expect.arrayContaining(['--no-allocation-site-pretenuring', '--v8-pool-size=1', '--no-memory-reducer']));
    // Node refuses an option it does not know ("bad option", exit 9): a renamed V8 flag fails here.
    const ok = await new Promise<number | null>((resolve) => spawn(process.execPath, [...flags, '-e', '0'], { stdio: 'ignore' }).once('exit', resolve));
    expect(ok).toBe(0);
  });

  it('serves GET /v1/me for a key made by its own CLI', async () => {
    const res = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const me = (await res.json()) as { tenant: { name: string; tier: string } };
    expect(me.tenant).toMatchObject({ name: 'Bundle Shop', tier: 'pro' });
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const anonymous = await fetch(`${base}/v1/me`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('validates bodies through the route schemas (problem+json 400)', async () => {
    const res = await fetch(`${base}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 7 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    const broken = await fetch(`${base}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' });
    expect(broken.status).toBe(400);
  });

  it('serves the OpenAPI document and the interactive docs', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/me', '/v1/tryons', '/admin/v1/tenants']));
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger-ui/i);
    // ReDoc: its bundle is read from node_modules at run time (the bundle resolves it from its own place).
    expect(await (await fetch(`${base}/redoc`)).text()).toContain('<redoc spec-url="/openapi.json">');
    const redoc = await fetch(`${base}/redoc/redoc.standalone.js`);
    expect(redoc.status).toBe(200);
    expect((await redoc.text()).length).toBeGreaterThan(500_000);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });

  it.runIf(process.platform === 'linux')('leaves sharp/libvips unloaded until an image is processed', () => {
    // A bundler hoists the imports of lazily imported modules unless the bundle is split; then
    // every API node would map libvips at start.
    const maps = readFileSync(`/proc/${server!.pid}/maps`, 'utf8');
    expect(maps).toMatch(/argon2/); // loaded at start (the users service), so the maps are readable and complete
    expect(maps).not.toMatch(/libvips|sharp-linux/);
  });
});
