/**
 * The webhook route's connection cache (src/modules/commerce/inbound/webhook-connections.ts) never
 * serves a stale connection: a changed app secret takes effect on the next webhook (the old one is
 * refused), a deleted connection or bot is 404 at once, and, on PostgreSQL + Redis, a change made
 * through one node holds on another node whose cache was warm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, problem, usingPostgres, usingRedis, type TestApp } from './harness.js';
import { commerceClient } from './commerce-helpers.js';
import { signTestBody, testChannel } from './fakes/test-channel.js';

const meta = testChannel('meta', { official: true });
let seq = 0;
type Bot = { id: string; connections: { id: string }[] };

const hook = (t: TestApp, connectionId: string, secret: string) => {
  const body = JSON.stringify({ events: [{ kind: 'message', id: `wamid.cache${++seq}`, from: { providerId: '5491155550009' }, text: 'hola', timestamp: new Date(t.clock.now()).toISOString() }] });
  return t.app.inject({ method: 'POST', url: `/hooks/whatsapp/${connectionId}`, headers: { 'content-type': 'application/json', 'x-test-signature': signTestBody(secret, body) }, payload: body });
};

async function newBot(t: TestApp, secret: string): Promise<Bot> {
  const api = commerceClient(t, () => t.tenantA.secretKey);
  return api.json<Bot>('POST', '/v1/bots', { name: `cache bot ${++seq}`, connections: [{ provider: 'meta', credentials: { app_secret: secret, phone_number_id: `9${seq}` } }] }, 201);
}

describe('webhook connection cache, one node', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ build: { commerce: { drivers: [meta] } } });
  });
  afterAll(async () => t?.close());

  it('a changed app secret takes effect on the next webhook; the old one is refused', async () => {
    const api = commerceClient(t, () => t.tenantA.secretKey);
    const bot = await newBot(t, 'secret-one');
    const con = bot.connections[0]!.id;
    expect((await hook(t, con, 'secret-one')).statusCode).toBe(200); // cached now
    expect((await hook(t, con, 'secret-one')).statusCode).toBe(200);
    await api.json('PATCH', `/v1/bots/${bot.id}/connections/${con}`, { credentials: { app_secret: 'secret-two' } }, 200);
    problem(await hook(t, con, 'secret-one'), 401, 'WEBHOOK_SIGNATURE_INVALID');
    expect((await hook(t, con, 'secret-two')).statusCode).toBe(200);
  });

  it('a deleted connection, or the bot of one, is unknown at once', async () => {
    const api = commerceClient(t, () => t.tenantA.secretKey);
    const a = await newBot(t, 's');
    await api.json('POST', `/v1/bots/${a.id}/connections`, { provider: 'meta', credentials: { app_secret: 's2', phone_number_id: '777' } }, 201);
    const con = a.connections[0]!.id;
    expect((await hook(t, con, 's')).statusCode).toBe(200);
    expect((await api.call('DELETE', `/v1/bots/${a.id}/connections/${con}`)).statusCode).toBe(204);
    problem(await hook(t, con, 's'), 404, 'CONNECTION_NOT_FOUND');

    const b = await newBot(t, 's3');
    const con2 = b.connections[0]!.id;
    expect((await hook(t, con2, 's3')).statusCode).toBe(200);
    expect((await api.call('DELETE', `/v1/bots/${b.id}`)).statusCode).toBe(204);
    problem(await hook(t, con2, 's3'), 404, 'CONNECTION_NOT_FOUND');
  });
});

describe.runIf(usingPostgres() && usingRedis())('webhook connection cache, two nodes on PostgreSQL + Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp({ build: { commerce: { drivers: [meta] } } });
    b = await createTestApp({ sameDataAs: a, build: { commerce: { drivers: [meta] } } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a secret changed through one node holds on the other, whose cache was warm', async () => {
    const api = commerceClient(a, () => a.tenantA.secretKey);
    const bot = await newBot(a, 'node-one');
    const con = bot.connections[0]!.id;
    expect((await hook(b, con, 'node-one')).statusCode).toBe(200);
    await api.json('PATCH', `/v1/bots/${bot.id}/connections/${con}`, { credentials: { app_secret: 'node-two' } }, 200);
    const until = Date.now() + 3000;
    let code = 0;
    while (Date.now() < until && (code = (await hook(b, con, 'node-two')).statusCode) !== 200) await new Promise((r) => setTimeout(r, 25));
    expect(code).toBe(200);
    problem(await hook(b, con, 'node-one'), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });
});
