/**
 * A worker killed with SIGKILL mid-flow, restarted: the flow resumes and the shopper gets each
 * reply once. The flow greets, calls an API the test holds open (so the run is caught between
 * its first reply and its state being written), then answers with what the API said. Killed
 * there, the restarted worker runs the input again from the state before it: the greeting,
 * queued already under an id derived from the input, is not sent again; the API is called again
 * (an API call is at least once); the answer is sent once.
 * - PostgreSQL + Redis: the API runs here, the worker is a separate `--role worker` process.
 * - Embedded: one process owns the PGlite data directory; it is killed and restarted on it.
 */
import { kill, startCli, startWorker, until, workerEnvOf, type CliChild } from './cli-processes.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, usingPostgres, usingRedis, type TestApp } from './harness.js';

const PHONE = '+5491166667777';

type Child = CliChild;



/** An API whose first call is held open (never answered); later calls answer at once. */
async function holdingApi() {
  const calls: IncomingMessage[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(req);
    req.resume();
    if (calls.length === 1) held.push(res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":"42"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: `http://${host}/codes`,
    calls,
    close: () => new Promise<void>((r) => {
      for (const h of held) h.destroy();
      server.close(() => r());
    }),
  };
}

type Api = { base: string; key: string };
async function call<T>(api: Api, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function flowAnsweredOnce(o: { api: () => Api; apiUrl: string; calls: () => number; crash: () => Promise<void> }) {
  const bot = await call<{ id: string }>(o.api(), 'POST', '/v1/bots', { name: 'Crash flow bot' });
  expect(bot.status, JSON.stringify(bot.json)).toBe(201);
  const definition = {
    start: 'hello',
    settings: { debounce_ms: 0 },
    steps: [
      { id: 'hello', type: 'message', content: { kind: 'text', text: 'Hello! Looking up your code…' }, next: 'lookup' },
      { id: 'lookup', type: 'api_call', request: { method: 'GET', url: o.apiUrl, timeout_ms: 30_000 }, save_as: 'res', next: 'answer' },
      { id: 'answer', type: 'message', content: { kind: 'text', text: 'Your code is {{res.code}}.' }, next: null },
    ],
  };
  const flow = await call<{ id: string }>(o.api(), 'POST', '/v1/flows', { name: 'Crash', bot_id: bot.json.id, definition });
  expect(flow.status, JSON.stringify(flow.json)).toBe(201);
  expect((await call(o.api(), 'POST', `/v1/flows/${flow.json.id}/publish`)).status).toBe(200);
  const sent = await call(o.api(), 'POST', `/v1/bots/${bot.json.id}/simulator/messages`, { phone: PHONE, text: 'hi' });
  expect(sent.status).toBe(202);
  // Mid-run: the greeting queued, the API call held open.
  await until(() => o.calls() === 1, 60_000, 'the flow to call the API');
  await o.crash();
  const thread = async () =>
    (await call<{ messages: { direction: string; content: { text?: string } }[] }>(o.api(), 'GET', `/v1/bots/${bot.json.id}/simulator/messages?phone=${encodeURIComponent(PHONE)}`)).json.messages
      .filter((m) => m.direction === 'to_shopper')
      .map((m) => m.content.text);
  await until(async () => (await thread()).includes('Your code is 42.'), 90_000, 'the answer after the restart');
  await new Promise((r) => setTimeout(r, 1500)); // time for a wrong second send to show
  expect((await thread()).sort()).toEqual(['Hello! Looking up your code…', 'Your code is 42.']);
  expect(o.calls()).toBe(2);
  const convs = (await call<{ data: { id: string }[] }>(o.api(), 'GET', `/v1/conversations?bot_id=${bot.json.id}`)).json.data;
  const sessions = (await call<{ data: { status: string; variables: Record<string, unknown> }[] }>(o.api(), 'GET', `/v1/flow-sessions?conversation_id=${convs[0]!.id}`)).json.data;
  expect(sessions).toHaveLength(1);
  expect(sessions[0]).toMatchObject({ status: 'completed', variables: { res: { code: '42' } } });
}

describe.runIf(usingPostgres() && usingRedis())('SIGKILL a separate worker mid-flow (PostgreSQL + Redis, BullMQ)', () => {
  let api: TestApp | undefined;
  let worker: Child | undefined;
  let hold: Awaited<ReturnType<typeof holdingApi>> | undefined;
  afterAll(async () => {
    if (worker) await kill(worker);
    await api?.close();
    await hold?.close();
  });

  it('the flow resumes after the restart; each reply is sent once', { timeout: 180_000 }, async () => {
    hold = await holdingApi();
    api = await createTestApp({ build: { role: 'api' }, env: { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: hold.host } });
    await api.modules.tenants.tenants.updateTenant(api.tenantA.id, { tier: 'enterprise' });
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const env = workerEnvOf(api.config, { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: hold.host });
    worker = await startWorker(env);
    await flowAnsweredOnce({
      api: () => ({ base, key: api!.tenantA.secretKey }),
      apiUrl: hold.url,
      calls: () => hold!.calls.length,
      crash: async () => {
        await kill(worker!);
        worker = await startWorker(env);
      },
    });
  });
});

describe.runIf(!usingPostgres())('SIGKILL the embedded process mid-flow (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probador-flow-crash-'));
  let child: Child | undefined;
  let hold: Awaited<ReturnType<typeof holdingApi>> | undefined;
  afterAll(async () => {
    if (child) await kill(child);
    await hold?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the flow resumes after the restart; each reply is sent once', { timeout: 180_000 }, async () => {
    hold = await holdingApi();
    const env = { PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: hold.host, PROBADOR_DATA_DIR: dir, PORT: '0', PROBADOR_SEED_DEMO: 'true', PROBADOR_ADMIN_EMAIL: 'ops@test.local', PROBADOR_ADMIN_PASSWORD: 'crash-test-password' };
    const urlOf = (c: Child) => until(() => /API:\s+(http:\/\/\S+)\/v1/.exec(c.output.join(''))?.[1], 60_000, 'the server URL');
    child = startCli(['start'], env);
    const api: Api = { base: await urlOf(child), key: '' };
    api.key = await until(() => /secret key \(shown once\):\s+(sk_test_\S+)/.exec(child!.output.join(''))?.[1], 10_000, 'the demo key');
    await flowAnsweredOnce({
      api: () => api,
      apiUrl: hold.url,
      calls: () => hold!.calls.length,
      crash: async () => {
        await kill(child!);
        child = startCli(['start'], env);
        api.base = await urlOf(child);
      },
    });
  });
});
