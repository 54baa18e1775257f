/**
 * A worker killed with SIGKILL in the middle of a try-on, then restarted: the job runs again and
 * completes exactly once (one result, one successful attempt).
 * - PostgreSQL + Redis: the API runs here, the worker is a separate process (BullMQ; the killed
 *   worker's lock lapses and the restarted worker takes the job).
 * - Embedded: one process owns the PGlite data directory (API + worker); it is killed and
 *   restarted on the same directory, and the job left active is run again.
 */
import { kill, startCli, until, workerEnvOf, type CliChild } from './cli-processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createTestApp, usingPostgres, usingRedis, type TestApp } from './harness.js';
import { startFakeFal, type FakeFal } from './fakes/fal.js';
import { garmentPng } from './fakes/images.js';

const ROOT = join(import.meta.dirname, '..');
const ASTRONAUT = readFileSync(join(ROOT, 'test', 'fixtures', 'astronaut.png'));
const dataUrl = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`;




let fal: FakeFal;
beforeAll(async () => {
  fal = await startFakeFal();
});
afterAll(async () => fal?.close());

const falEnv = () => ({ FAL_KEY: fal.apiKey, FAL_BASE_URL: fal.url, PROBADOR_PROVIDER_ORDER: 'fal', PROBADOR_PROVIDER_RETRIES: '0' });
const submits = () => fal.calls('POST', /fashn\/tryon/).length;

describe.runIf(usingPostgres() && usingRedis())('SIGKILL a separate worker (PostgreSQL + Redis, BullMQ)', () => {
  let api: TestApp;
  let worker: CliChild | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    api = await createTestApp({ build: { role: 'api' } });
    env = workerEnvOf(api.config, falEnv());
  });
  afterAll(async () => {
    if (worker) await kill(worker);
    await api?.close();
  });

  it('the job is taken over after the crash and completes once', { timeout: 180_000 }, async () => {
    worker = startCli(['start', '--role', 'worker'], env);
    await until(() => worker!.output.join('').includes('worker started') || undefined, 30_000, 'the worker to start');
    fal.scenario({ kind: 'slow' }); // the first run hangs at the provider
    const before = submits();
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/tryons',
      headers: { authorization: `Bearer ${api.tenantA.secretKey}` },
      payload: { person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }] },
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;
    await until(() => (submits() > before ? true : undefined), 30_000, 'the first provider call');
    await kill(worker);

    worker = startCli(['start', '--role', 'worker'], env);
    const done = await until(async () => {
      const r = (await api.app.inject({ method: 'GET', url: `/v1/tryons/${id}`, headers: { authorization: `Bearer ${api.tenantA.secretKey}` } })).json();
      return ['succeeded', 'failed'].includes(r.status) ? r : undefined;
    }, 60_000, 'the try-on to finish');
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(submits() - before).toBe(2); // the killed run and the rerun
    const ok = (await api.deps.db.execute(sql`select count(*)::int as n from tryon_attempts where tryon_id = ${id} and outcome = 'succeeded'`)) as unknown as { rows: { n: number }[] };
    expect(ok.rows[0]!.n).toBe(1);
    expect(done.result.url).toBeTruthy();
  });
});

describe.runIf(!usingPostgres())('SIGKILL the embedded process (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probador-crash-'));
  let child: CliChild | undefined;
  afterAll(async () => {
    if (child) await kill(child);
    rmSync(dir, { recursive: true, force: true });
  });
  const env = () => ({ ...falEnv(), PROBADOR_DATA_DIR: dir, PORT: '0', PROBADOR_SEED_DEMO: 'true', PROBADOR_ADMIN_EMAIL: 'ops@test.local', PROBADOR_ADMIN_PASSWORD: 'crash-test-password' });
  const urlOf = async (c: CliChild) => until(() => /API:\s+(http:\/\/\S+)\/v1/.exec(c.output.join(''))?.[1], 60_000, 'the server URL');

  it('the job left running is run again after restart and completes once', { timeout: 180_000 }, async () => {
    child = startCli(['start'], env());
    let base = await urlOf(child);
    const secret = await until(() => /secret key \(shown once\):\s+(sk_test_\S+)/.exec(child!.output.join(''))?.[1], 10_000, 'the demo key');
    fal.scenario({ kind: 'slow' });
    const before = submits();
    const res = await fetch(`${base}/v1/tryons`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }] }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { id: string }).id;
    await until(() => (submits() > before ? true : undefined), 30_000, 'the first provider call');
    await kill(child);

    child = startCli(['start'], env());
    base = await urlOf(child);
    const done = await until(async () => {
      const r = (await (await fetch(`${base}/v1/tryons/${id}`, { headers: { authorization: `Bearer ${secret}` } })).json()) as { status: string; attempts: { outcome: string }[] };
      return ['succeeded', 'failed'].includes(r.status) ? r : undefined;
    }, 60_000, 'the try-on to finish');
    expect(done.status).toBe('succeeded');
    expect(submits() - before).toBe(2);
    expect(done.attempts.filter((a) => a.outcome === 'succeeded')).toHaveLength(1);
  });
});
