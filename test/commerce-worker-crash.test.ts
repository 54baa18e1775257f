/**
 * A worker killed with SIGKILL mid-message, restarted: each shopper's STOP is answered once.
 * Two acknowledgements' sends are held open at a fake Meta Cloud API (test/fakes/meta-whatsapp.ts)
 * until the worker is dead. Then Meta takes the first — its answer lost: the at-least-once window —
 * and reports it with a signed `sent` status webhook carrying our id (`biz_opaque_callback_data`),
 * as Meta does; the second never got through. The restarted worker runs both send jobs again: the
 * first must not be sent a second time (it waits for Meta's word and adopts it), the second must be
 * sent once. Exactly one message per shopper reaches the provider; per conversation one inbound and
 * one outbound row, the reply `sent` under the provider's id.
 * - PostgreSQL + Redis: the API runs here, the worker is a separate `--role worker` process
 *   (BullMQ; the killed worker's lock lapses and the restarted worker takes the job).
 * - Embedded: one process owns the PGlite data directory (API + worker); it is killed and
 *   restarted on the same directory, and the job left active is run again.
 */
import { kill, startCli, startWorker, until, workerEnvOf, type CliChild } from './cli-processes.js';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, usingPostgres, usingRedis, type TestApp } from './harness.js';
import { OPT_OUT_ACK } from '../src/modules/commerce/inbound/rules.js';
import { inbound, postWebhook, startFakeMeta, type FakeMeta } from './fakes/meta-whatsapp.js';

/** How long a re-run waits for the provider's word on an attempt whose answer was lost (short here). */
const RECONCILE_MS = 6_000;
const SHOPPERS = ['5491155557777', '5491155558888'];

type Child = CliChild;



const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const commerceEnv = (fake: FakeMeta) => ({ PROBADOR_FETCH_ALLOW_PRIVATE_HOSTS: new URL(fake.url).host, PROBADOR_WA_SEND_RECONCILE_MS: String(RECONCILE_MS) });

type Msg = { id: string; direction: 'in' | 'out'; status: string; source: string; content: { text?: string }; provider_message_id: string | null };
type Api = { base: string; key: string };

async function call<T>(api: Api, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
}

/**
 * The part both modes share: a bot on the fake, two shoppers' STOP, both acknowledgements held at
 * Meta until `crash` has killed the worker; then Meta takes the first (its answer lost) and the
 * second never got through. The first must not be sent again, the second must be sent once.
 */
async function stopAnsweredOnce(o: {
  fake: FakeMeta;
  api: () => Api;
  /**
   * Kill the worker (both sends in flight), call `providerSettles` (Meta takes one held send and
   * drops the other), bring the worker back; `report` posts Meta's status webhook for the taken
   * one whenever the API can take it.
   */
  crash: (providerSettles: () => Promise<void>, report: () => Promise<void>) => Promise<void>;
}) {
  const { fake } = o;
  const bot = await call<{ id: string; connections: { id: string }[] }>(o.api(), 'POST', '/v1/bots', { name: 'Crash bot', connections: [{ provider: 'meta', credentials: fake.credentials }] });
  expect(bot.status, JSON.stringify(bot.json)).toBe(201);
  const hook = () => `${o.api().base}/hooks/whatsapp/${bot.json.connections[0]!.id}`;

  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  fake.scenario({ kind: 'hold', until: released }, 'messages'); // the first send to arrive: taken
  fake.scenario({ kind: 'hold', until: released, drop: true }, 'messages'); // the second: never got through
  const sends = () => fake.calls('POST', /\/messages$/).length;
  for (const from of SHOPPERS) {
    const res = await postWebhook(hook(), fake.webhook({ messages: [inbound.text('STOP', { from })] }), fake.appSecret);
    expect(res.status).toBe(200);
  }
  await until(() => sends() === 2, 60_000, 'both acknowledgements’ sends to reach the provider');

  const providerSettles = async () => {
    release();
    await until(() => fake.sent[0], 10_000, 'Meta to take the first held send');
  };
  await o.crash(providerSettles, async () => {
    const taken = fake.sent[0]!;
    const status = fake.statusFor(taken.id, 'sent', { callbackData: String(taken.body.biz_opaque_callback_data ?? '') });
    const r = await postWebhook(hook(), fake.webhook({ statuses: [status] }), fake.appSecret);
    expect(r.status).toBe(200);
  });
  const taken = fake.sent[0]!;

  const convs = await until(async () => {
    const list = (await call<{ data: { id: string; contact: { phone: string | null } }[] }>(o.api(), 'GET', `/v1/conversations?bot_id=${bot.json.id}`)).json.data;
    return list.length === 2 ? list : undefined;
  }, 30_000, 'both conversations');
  const messages = async (cid: string) => (await call<{ data: Msg[] }>(o.api(), 'GET', `/v1/conversations/${cid}/messages?limit=100`)).json.data;
  for (const c of convs) await until(async () => (await messages(c.id)).find((m) => m.direction === 'out' && m.status !== 'queued'), 60_000, 'the acknowledgement to settle');
  // A re-run that waited for Meta's word on the taken send runs about when the dropped one is sent: give it time to (wrongly) send.
  await sleep(2_000);

  expect(fake.sent.map((s) => s.to).sort(), 'messages the provider took').toEqual([...SHOPPERS].sort());
  for (const c of convs) {
    const all = await messages(c.id);
    expect(all.filter((m) => m.direction === 'in')).toHaveLength(1);
    const out = all.filter((m) => m.direction === 'out');
    expect(out).toHaveLength(1);
    const atMeta = fake.sent.find((s) => `+${s.to}` === c.contact.phone)!;
    expect(out[0]).toMatchObject({ status: 'sent', source: 'auto', provider_message_id: atMeta.id });
    expect(out[0]!.content.text).toBe(OPT_OUT_ACK);
  }
  expect(fake.sent.findIndex((s) => s.id === taken.id)).toBe(0);
}

describe.runIf(usingPostgres() && usingRedis())('SIGKILL a separate commerce worker (PostgreSQL + Redis, BullMQ)', () => {
  let api: TestApp | undefined;
  let worker: Child | undefined;
  let fake: FakeMeta | undefined;
  afterAll(async () => {
    if (worker) await kill(worker);
    await api?.close();
    await fake?.close();
  });

  it('the reply in flight when the worker died is sent once', { timeout: 180_000 }, async () => {
    fake = await startFakeMeta();
    api = await createTestApp({ build: { role: 'api' }, env: commerceEnv(fake) });
    await api.modules.tenants.tenants.updateTenant(api.tenantA.id, { tier: 'enterprise' });
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const env = workerEnvOf(api.config, commerceEnv(fake));
    worker = await startWorker(env);
    await stopAnsweredOnce({
      fake,
      api: () => ({ base, key: api!.tenantA.secretKey }),
      crash: async (providerSettles, report) => {
        await kill(worker!);
        await providerSettles();
        worker = await startWorker(env);
        // Meta's status comes late, once the restarted worker has run both send jobs again (each
        // now waiting as a delayed job, or — without the wait — one sent a second time).
        const delayed = async () => (await api!.deps.jobs.counts())['commerce.send']?.delayed ?? 0;
        await until(async () => (await delayed()) >= 2 || fake!.sent.length > 1, 30_000, 'the send jobs to run again');
        await report();
      },
    });
  });
});

describe.runIf(!usingPostgres())('SIGKILL the embedded process mid-message (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probador-wa-crash-'));
  let child: Child | undefined;
  let fake: FakeMeta | undefined;
  afterAll(async () => {
    if (child) await kill(child);
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the reply in flight when the process died is sent once after the restart', { timeout: 180_000 }, async () => {
    fake = await startFakeMeta();
    const env = { ...commerceEnv(fake), PROBADOR_DATA_DIR: dir, PORT: '0', PROBADOR_SEED_DEMO: 'true', PROBADOR_ADMIN_EMAIL: 'ops@test.local', PROBADOR_ADMIN_PASSWORD: 'crash-test-password' };
    const urlOf = (c: Child) => until(() => /API:\s+(http:\/\/\S+)\/v1/.exec(c.output.join(''))?.[1], 60_000, 'the server URL');
    child = startCli(['start'], env);
    const api: Api = { base: await urlOf(child), key: '' };
    api.key = await until(() => /secret key \(shown once\):\s+(sk_test_\S+)/.exec(child!.output.join(''))?.[1], 10_000, 'the demo key');
    await stopAnsweredOnce({
      fake,
      api: () => api,
      crash: async (providerSettles, report) => {
        await kill(child!);
        await providerSettles();
        child = startCli(['start'], env);
        api.base = await urlOf(child);
        await report(); // Meta's status (retried by Meta while the server was down) lands after the restart
      },
    });
  });
});
