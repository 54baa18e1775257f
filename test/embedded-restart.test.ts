/**
 * The embedded data directory: what is written survives a restart; a second process on the
 * same directory is refused clearly; a lock left by a dead process is taken over.
 * Always embedded (PGlite), whatever DATABASE_URL says: that is what is under test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { start, type Started } from '../src/main.js';
import { cliEnv, deadPid, runCli } from './cli-run.js';

const SLOW = 240_000;
const ADMIN = { email: 'root@restart.test', password: 'restart-password-1' };
const dataDir = mkdtempSync(join(tmpdir(), 'probador-restart-'));
const lockFile = join(dataDir, 'pg', 'probador.lock');
const env = {
  PROBADOR_DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0', // a busy test machine must not shed our requests
  PROBADOR_PERCEPTION_THREADS: '0', // models are not what this test is about
  PROBADOR_ADMIN_EMAIL: ADMIN.email,
  PROBADOR_ADMIN_PASSWORD: ADMIN.password,
};

let server: Started | undefined;
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function boot() {
  const lines: string[] = [];
  server = await start(loadConfig(env), 'all', { print: (l) => lines.push(l) });
  const printed = lines.join('\n');
  const base = /API:\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(printed)?.[1];
  expect(base, printed).toBeDefined();
  expect(base).toBe(server.url);
  return { base: base!, printed };
}

async function call(base: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

async function signIn(base: string) {
  const res = await call(base, 'POST', '/admin/v1/auth/login', { body: ADMIN });
  expect(res.status, res.text).toBe(200);
  return res.json().access_token as string;
}

let tenantId: string;
let secretKey: string;

describe('embedded data directory', () => {
  it('first start: creates the chosen operator and the demo store; a tenant and key made over HTTP work', async () => {
    const { base, printed } = await boot();
    expect(printed).toContain(`embedded: PGlite in ${dataDir}`);
    expect(printed).not.toContain('password:'); // the operator was chosen, not generated
    expect(printed).toMatch(/Demo tenant "Demo Store" \(ten_\w+\) created/);
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);

    const token = await signIn(base);
    const t = await call(base, 'POST', '/admin/v1/tenants', { token, body: { name: 'Persistent Shop', tier: 'basic' } });
    expect(t.status, t.text).toBe(201);
    tenantId = t.json().id;
    const k = await call(base, 'POST', `/admin/v1/tenants/${tenantId}/keys`, { token, body: { environment: 'test' } });
    expect(k.status, k.text).toBe(201);
    secretKey = k.json().key;
    expect(secretKey).toMatch(/^sk_test_/);
    const me = await call(base, 'GET', '/v1/me', { token: secretKey });
    expect(me.status, me.text).toBe(200);
    expect(me.json().tenant.id).toBe(tenantId);
  }, SLOW);

  it('a second process on the same data directory is refused with a clear message', async () => {
    expect(server).toBeDefined();
    const child = await runCli(['start'], cliEnv({ PROBADOR_DATA_DIR: dataDir, PORT: '0' }), 120_000);
    expect(child.code, `stdout: ${child.stdout}\nstderr: ${child.stderr}`).toBe(1);
    expect(child.stderr).toMatch(/^probador: The data directory .* is in use by another Probador process/);
    expect(child.stderr).toContain(`(pid ${process.pid},`);
    expect(child.stderr).toContain('DATABASE_URL');
    // And a second open inside this process is refused too.
    await expect(start(loadConfig(env), 'all', { print: () => undefined })).rejects.toThrow(/already open in this process/);
    // The refusals left the owner's lock (and server) alone.
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
  }, SLOW);

  it('after a restart on the same directory the data is still there and nothing is created twice', async () => {
    await server!.close();
    server = undefined;
    expect(existsSync(lockFile)).toBe(false);

    const { base, printed } = await boot();
    expect(printed).not.toContain('First operator');
    expect(printed).not.toContain('Demo tenant');
    const me = await call(base, 'GET', '/v1/me', { token: secretKey });
    expect(me.status, me.text).toBe(200);
    expect(me.json().tenant).toMatchObject({ id: tenantId, name: 'Persistent Shop', tier: 'basic' });
    const token = await signIn(base);
    const list = await call(base, 'GET', '/admin/v1/tenants', { token });
    expect(list.json().data.map((x: { name: string }) => x.name).sort()).toEqual(['Demo Store', 'Persistent Shop']);
  }, SLOW);

  it('a lock left behind by a dead process is taken over; one from another host is refused with a way out', async () => {
    await server!.close();
    server = undefined;
    writeFileSync(lockFile, JSON.stringify({ pid: 4242, host: 'another-host', since: '2020-01-01T00:00:00.000Z' }));
    await expect(start(loadConfig(env), 'all', { print: () => undefined })).rejects.toThrow(
      `locked by process 4242 on host another-host (since 2020-01-01T00:00:00.000Z). If that process is gone (a replaced container, a crashed machine), delete ${lockFile}`,
    );

    const pid = await deadPid();
    writeFileSync(lockFile, JSON.stringify({ pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));

    const { base } = await boot();
    expect(JSON.parse(readFileSync(lockFile, 'utf8')).pid).toBe(process.pid);
    const me = await call(base, 'GET', '/v1/me', { token: secretKey });
    expect(me.status, me.text).toBe(200);
    await server!.close();
    server = undefined;
    expect(existsSync(lockFile)).toBe(false);
  }, SLOW);
});
