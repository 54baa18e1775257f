/**
 * The webhook ack's fast path. Concurrent webhooks, group-committed into one ledger insert
 * (src/modules/commerce/inbound/ledger.ts), each stored once and each processed, retries and
 * duplicates within a batch included. The connection cache
 * (src/modules/commerce/inbound/webhook-connections.ts) never
 * serves a stale connection: a changed app secret takes effect on the next webhook (the old one is
 * refused), a deleted connection or bot is 404 at once, and, on PostgreSQL + Redis, a change made
 * through one node holds on another node whose cache was warm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, problem, usingPostgres, usingRedis, type TestApp } from './harness.js';
import { commerceClient, waitFor } from './commerce-helpers.js';
import { signTestBody, testChannel } from './fakes/test-channel.js';

const meta = testChannel('meta', { official: true });
let seq = 0;
type Bot = { id: string; connections: { id: string }[] };

const hook = (t: TestApp, connectionId: string, secret: string, id = `wamid.cache${++seq}`, from = '5491155550009') => {
  const body = JSON.stringify({ events: [{ kind: 'message', id, from: { providerId: from }, text: `hola ${id}`, timestamp: new Date(t.clock.now()).toISOString() }] });
  return t.app.inject({ method: 'POST', url: `/hooks/whatsapp/${connectionId}`, headers: { 'content-type': 'application/json', 'x-test-signature': signTestBody(secret, body) }, payload: body });
};

async function newBot(t: TestApp, secret: string): Promise<Bot> {
  const api = commerceClient(t, () => t.tenantA.secretKey);
  return api.json<Bot>('POST', '/v1/bots', { name: `cache bot ${++seq}`, connections: [{ provider: 'meta', credentials: { app_secret: secret, phone_number_id: `9${seq}` } }] }, 201);
}

describe('webhook ack, one node', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ build: { commerce: { drivers: [meta] } } });
    await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
  });
  afterAll(async () => t?.close());

  it('concurrent webhooks, retries among them, are each stored once and each processed once', async () => {
    const bot = await newBot(t, 'burst');
    const con = bot.connections[0]!.id;
    const ids = Array.from({ length: 40 }, (_, i) => `wamid.burst${i}`);
    // Every message twice (a provider's retry), all at once: they meet in the same group commits.
    const sends = [...ids, ...ids.slice(0, 25)].map((id, i) => hook(t, con, 'burst', id, `54911555${String(1000 + (i % 40)).padStart(4, '0')}`));
    for (const r of await Promise.all(sends)) expect(r.statusCode).toBe(200);
    const rows = async <T>(q: ReturnType<typeof sql>) => ((await t.deps.db.execute(q)) as unknown as { rows: T[] }).rows;
    expect((await rows<{ n: number }>(sql`select count(*)::int as n from commerce_inbound_events where connection_id = ${con}`))[0]!.n).toBe(40);
    await waitFor(async () => (await rows<{ n: number }>(sql`select count(*)::int as n from commerce_inbound_events where connection_id = ${con} and processed_at is null`))[0]!.n === 0, 'all processed', 30_000);
    const msgs = await rows<{ n: number; d: number }>(sql`select count(*)::int as n, count(distinct provider_message_id)::int as d from commerce_messages where tenant_id = ${t.tenantA.id} and direction = 'in' and provider_message_id like 'wamid.burst%'`);
    expect(msgs[0]).toEqual({ n: 40, d: 40 });
  });

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

describe.runIf(usingPostgres() && usingRedis())('webhook ack, two nodes on PostgreSQL + Redis', () => {
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
