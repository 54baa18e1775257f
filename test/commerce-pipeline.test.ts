/**
 * The commerce pipeline with test drivers (official "meta", unofficial "baileys"; the real
 * drivers have their own suites): a webhook delivered twice stored once; forged, unknown,
 * malformed and oversized bodies answered 4xx without losing a valid message of the batch; an
 * inbound job run again after a crash makes one message and one reply; statuses never go
 * backwards and an opted-out failure writes the ledger; fallback to the next connection; a
 * recipient error stops the walk; marketing never through an unofficial connection; an @lid
 * contact merged with its phone; events naming another number filed under its connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, problem, type TestApp } from './harness.js';
import { commerceClient, waitFor, type Conversation, type Message } from './commerce-helpers.js';
import { signTestBody, testChannel } from './fakes/test-channel.js';

const meta = testChannel('meta', { official: true });
const baileys = testChannel('baileys', { official: false });
let t: TestApp;
let api: ReturnType<typeof commerceClient>;
type Bot = { id: string; connections: { id: string; provider: string }[] };

beforeAll(async () => {
  t = await createTestApp({ build: { commerce: { drivers: [meta, baileys] } } });
  api = commerceClient(t, () => t.tenantA.secretKey);
  // These tests poll the API while jobs run: above the basic tier's 300 requests a minute.
  await t.modules.tenants.tenants.updateTenant(t.tenantA.id, { tier: 'enterprise' });
});
afterAll(async () => t?.close());

const SECRET = 'test-app-secret';
const creds = (n: string) => ({ app_secret: SECRET, phone_number_id: n });
const hook = (connectionId: string, events: unknown[], secret = SECRET, raw?: string) => {
  const body = raw ?? JSON.stringify({ events });
  return t.app.inject({ method: 'POST', url: `/hooks/whatsapp/${connectionId}`, headers: { 'content-type': 'application/json', 'x-test-signature': signTestBody(secret, body) }, payload: body });
};
const rows = async <T>(q: ReturnType<typeof sql>) => ((await t.deps.db.execute(q)) as unknown as { rows: T[] }).rows;
const convOf = async (botId: string) => waitFor(async () => (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${botId}`)).data[0], 'conversation');
const messagesOf = async (cid: string) => (await api.json<{ data: Message[] }>('GET', `/v1/conversations/${cid}/messages?limit=100`)).data;
const settled = (cid: string, id: string) => waitFor(async () => (await messagesOf(cid)).find((m) => m.id === id && m.status !== 'queued'), `message ${id} settled`);
let seq = 0;
const msgEvent = (from: Record<string, string>, text: string, extra: Record<string, unknown> = {}) => ({ kind: 'message', id: `wamid.${++seq}`, from, text, timestamp: new Date(t.clock.now()).toISOString(), ...extra });

async function newBot(connections: { provider: string; credentials: Record<string, string> }[]): Promise<Bot> {
  return api.json<Bot>('POST', '/v1/bots', { name: `bot ${++seq}`, connections, templates: [{ name: 'promo', language: 'en', category: 'marketing', body: 'Sale {{1}}' }] }, 201);
}

describe('inbound webhooks', () => {
  it('stores a retried webhook once, answers forged, unknown, malformed and oversized bodies with 4xx, keeps the valid message of a batch', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('111') }]);
    const con = bot.connections[0]!.id;
    const e = msgEvent({ providerId: '5491155550001' }, 'hola');
    expect((await hook(con, [e])).statusCode).toBe(200);
    expect((await hook(con, [e])).statusCode).toBe(200);
    const conv = await convOf(bot.id);
    await waitFor(async () => (await rows<{ n: number }>(sql`select count(*)::int as n from commerce_inbound_events where connection_id = ${con} and processed_at is null`))[0]!.n === 0, 'processed');
    expect((await messagesOf(conv.id)).filter((m) => m.direction === 'in')).toHaveLength(1);
    expect((await rows<{ n: number }>(sql`select count(*)::int as n from commerce_inbound_events where connection_id = ${con}`))[0]!.n).toBe(1);

    problem(await hook(con, [msgEvent({ phone: '+5491155550001' }, 'forged')], 'wrong-secret'), 401, 'WEBHOOK_SIGNATURE_INVALID');
    problem(await hook('con_01J0000000000000000000000Z', [e]), 404, 'CONNECTION_NOT_FOUND');
    problem(await hook('not-a-connection', [e]), 404, 'CONNECTION_NOT_FOUND');
    problem(await hook(con, [], SECRET, '{"events": [ broken'), 400, 'WEBHOOK_PAYLOAD_INVALID');
    problem(await hook(con, [], SECRET, '{"events": {"not": "an array"}}'), 400, 'WEBHOOK_PAYLOAD_INVALID');
    const huge = JSON.stringify({ events: [e], pad: 'x'.repeat(1_100_000) });
    problem(await hook(con, [], SECRET, huge), 413, 'BODY_TOO_LARGE');
    const ok = msgEvent({ providerId: '5491155550001' }, 'the valid one');
    expect((await hook(con, [{ kind: 'message', id: 42 }, 'junk', null, ok])).statusCode).toBe(200);
    await waitFor(async () => (await messagesOf(conv.id)).find((m) => m.content.text === 'the valid one'), 'valid message of the batch');
    const challenge = await t.app.inject({ method: 'GET', url: `/hooks/whatsapp/${con}?challenge=1234` });
    expect([challenge.statusCode, challenge.body]).toEqual([200, '1234']);
    problem(await t.app.inject({ method: 'GET', url: `/hooks/whatsapp/${con}` }), 403, 'WEBHOOK_VERIFICATION_FAILED');
    expect(t.logs.join('')).not.toContain(SECRET);
  });

  it('an inbound job run again (a worker killed before it finished) makes one message and one reply', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('222') }]);
    const con = bot.connections[0]!.id;
    await hook(con, [msgEvent({ providerId: '5491155550002' }, 'STOP')]);
    const conv = await convOf(bot.id);
    await waitFor(async () => (await messagesOf(conv.id)).find((m) => m.direction === 'out' && m.status === 'sent'), 'acknowledgement sent');
    const [ev] = await rows<{ id: string }>(sql`select id from commerce_inbound_events where connection_id = ${con}`);
    // As if the worker died after its writes but before marking the event processed.
    await t.deps.db.execute(sql`update commerce_inbound_events set processed_at = null where id = ${ev!.id}`);
    await t.deps.jobs.enqueue('commerce.inbound', { tenant_id: t.tenantA.id, event_id: ev!.id }, { dedupeKey: `again:${ev!.id}` });
    await waitFor(async () => (await rows<{ p: string | null }>(sql`select processed_at as p from commerce_inbound_events where id = ${ev!.id}`))[0]!.p, 'reprocessed');
    const ms = await messagesOf(conv.id);
    expect(ms.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(ms.filter((m) => m.direction === 'out')).toHaveLength(1);
    expect(meta.sent.filter((s) => s.connectionId === con)).toHaveLength(1);
  });

  it('statuses move forward only; a failure keeps its reason; an opted-out failure writes the ledger', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('333') }]);
    const con = bot.connections[0]!.id;
    await hook(con, [msgEvent({ providerId: '5491155550003' }, 'hi')]);
    const conv = await convOf(bot.id);
    const m = await api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: 'hello' } }, 202);
    const sent = await settled(conv.id, m.id);
    const pid = sent.connection_id && (await rows<{ p: string }>(sql`select provider_message_id as p from commerce_messages where id = ${m.id}`))[0]!.p;
    await hook(con, [{ kind: 'status', id: pid, status: 'read' }]);
    await waitFor(async () => (await messagesOf(conv.id)).find((x) => x.id === m.id && x.status === 'read'), 'read');
    await hook(con, [{ kind: 'status', id: pid, status: 'delivered' }, { kind: 'status', id: pid, status: 'failed', reason: 'undeliverable' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await messagesOf(conv.id)).find((x) => x.id === m.id)!.status).toBe('read');

    const m2 = await api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['50%'] } } }, 202);
    await settled(conv.id, m2.id);
    const pid2 = (await rows<{ p: string }>(sql`select provider_message_id as p from commerce_messages where id = ${m2.id}`))[0]!.p;
    await hook(con, [{ kind: 'status', id: pid2, status: 'failed', reason: 'opted_out' }]);
    const failed = await waitFor(async () => (await messagesOf(conv.id)).find((x) => x.id === m2.id && x.status === 'failed'), 'failed');
    expect(failed.error).toMatchObject({ code: 'OPTED_OUT' });
    expect(await rows(sql`select category, source from commerce_opt_outs where contact_id = ${conv.contact.id}`)).toEqual([{ category: 'marketing', source: 'provider' }]);
    problem(await api.call('POST', '/v1/messages', { conversation_id: conv.id, category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['x'] } } }), 422, 'OPTED_OUT');
  });

  // Quarantined on PostgreSQL + Redis: under the full suite's load the merge did not converge in 2 of 3 CI runs (2026-12-07);
  // it passes alone there and always on PGlite. The race in contact merging is to be found and fixed (issue 22).
  it('one contact per person: an @lid seen alone, then linked to the phone, merges into one', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('444') }]);
    const con = bot.connections[0]!.id;
    await hook(con, [msgEvent({ phone: '+5491155550004' }, 'from the phone')]);
    await hook(con, [msgEvent({ providerId: '99887766@lid' }, 'from the lid')]);
    await waitFor(async () => (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${bot.id}`)).data.length === 2, 'two conversations');
    await hook(con, [msgEvent({ phone: '+5491155550004', providerId: '99887766@lid' }, 'both')]);
    await hook(con, [msgEvent({ providerId: 'whatsapp:+5491155550004' }, 'twilio form'), msgEvent({ providerId: '5491155550004@s.whatsapp.net' }, 'jid form')]);
    const open = await waitFor(async () => {
      const d = (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${bot.id}&limit=10`)).data.filter((c) => c.status !== 'closed');
      return d.length === 1 && (await messagesOf(d[0]!.id)).length === 5 ? d : undefined;
      // A job that lost a race with the merge runs again after the inbound job's backoff (0.5, 1, 2, 4, 8 s…): on a loaded machine that outlasts 15 s.
    }, 'merged conversation', 45_000);
    expect(open[0]!.contact.phone).toBe('+5491155550004');
  });

  it('a patched bot answers the next message with its new away message (the job’s cached bot is dropped)', async () => {
    const day = (new Date(t.clock.now()).getUTCDay() + 3) % 7; // closed now: open one minute, three days away
    const bot = await api.json<Bot>('POST', '/v1/bots', { name: `bot ${++seq}`, connections: [{ provider: 'meta', credentials: creds('777') }], business_hours: { timezone: 'UTC', intervals: [{ day, start: '00:00', end: '00:01' }] }, away_message: 'Closed, first version.' }, 201);
    const con = bot.connections[0]!.id;
    const awayTo = async (phone: string) => {
      const conv = await waitFor(async () => (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${bot.id}&limit=10`)).data.find((c) => c.contact.phone === phone), `conversation of ${phone}`);
      return (await waitFor(async () => (await messagesOf(conv.id)).find((m) => m.direction === 'out'), 'away message')).content.text;
    };
    await hook(con, [msgEvent({ providerId: '5491155550007' }, 'hello')]);
    expect(await awayTo('+5491155550007')).toBe('Closed, first version.');
    await api.json('PATCH', `/v1/bots/${bot.id}`, { away_message: 'Closed, second version.' });
    await hook(con, [msgEvent({ providerId: '5491155550008' }, 'hello')]);
    expect(await awayTo('+5491155550008')).toBe('Closed, second version.');
  });

  it('a known shopper writing under a new profile name stays one contact, renamed', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('888') }]);
    const con = bot.connections[0]!.id;
    await hook(con, [msgEvent({ providerId: '5491155550009', name: 'Ana' }, 'one')]);
    const conv = await convOf(bot.id);
    await waitFor(async () => (await messagesOf(conv.id)).length === 1 || undefined, 'first message');
    await hook(con, [msgEvent({ providerId: '5491155550009', name: 'Ana María' }, 'two')]);
    await waitFor(async () => (await messagesOf(conv.id)).length === 2 || undefined, 'second message');
    const all = (await api.json<{ data: Conversation[] }>('GET', `/v1/conversations?bot_id=${bot.id}&limit=10`)).data;
    expect(all.map((c) => [c.id, (c.contact as { name?: string | null }).name])).toEqual([[conv.id, 'Ana María']]);
  });

  it('an event naming another of the tenant’s numbers is filed under that number’s connection', async () => {
    const one = await newBot([{ provider: 'meta', credentials: creds('555') }]);
    const two = await newBot([{ provider: 'meta', credentials: creds('666') }]);
    await hook(one.connections[0]!.id, [msgEvent({ providerId: '5491155550005' }, 'to the other number', { to: '666' })]);
    const conv = await convOf(two.id);
    expect((await messagesOf(conv.id))[0]).toMatchObject({ connection_id: two.connections[0]!.id });
  });

  it('an event that fails in its batch goes on as its own job; the batch’s other events are not held back', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('777') }]);
    const con = bot.connections[0]!.id;
    // A status for a send not known yet (its answer still on the way) fails, the message after it does not.
    await hook(con, [{ kind: 'status', id: 'wamid.not-sent-yet', status: 'delivered' }, msgEvent({ providerId: '5491155550007' }, 'after the status')]);
    const conv = await convOf(bot.id);
    await waitFor(async () => (await messagesOf(conv.id)).find((m) => m.content.text === 'after the status'), 'the message of the batch');
    const events = await rows<{ kind: string; processed: boolean }>(sql`select kind, processed_at is not null as processed from commerce_inbound_events where connection_id = ${con} order by kind`);
    await waitFor(async () => (await rows<{ p: boolean }>(sql`select processed_at is not null as p from commerce_inbound_events where connection_id = ${con} and kind = 'message'`))[0]!.p, 'message marked processed');
    expect(events.map((e) => e.kind)).toEqual(['message', 'status']);
    expect((await rows<{ p: boolean }>(sql`select processed_at is not null as p from commerce_inbound_events where connection_id = ${con} and kind = 'status'`))[0]!.p).toBe(false);
    const single = (await t.deps.jobs.counts())['commerce.inbound']!;
    expect(single.waiting + single.delayed + single.active).toBeGreaterThanOrEqual(1);
  });
});

describe('sending with fallback', () => {
  it('falls back to the next connection when the first fails, and says so in the status', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('701') }, { provider: 'meta', credentials: creds('702') }]);
    const [a, b] = bot.connections.map((c) => c.id) as [string, string];
    meta.failures.set(a, { reason: 'unavailable' });
    await hook(a, [msgEvent({ providerId: '5491155550007' }, 'hi')]);
    const conv = await convOf(bot.id);
    const m = await api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: 'reply' } }, 202);
    expect(await settled(conv.id, m.id)).toMatchObject({ status: 'sent', connection_id: b });
    const status = await api.json<{ connections: { id: string; traffic: { sent: number; last_error: string | null }; probe: unknown }[] }>('GET', `/v1/bots/${bot.id}/status?probe=true`, undefined, 200);
    expect(status.connections.find((c) => c.id === a)!.traffic.last_error).toMatch(/unavailable/);
    expect(status.connections.find((c) => c.id === b)!.traffic.sent).toBe(1);
    expect(status.connections[0]!.probe).toMatchObject({ ok: true });
    meta.failures.delete(a);
  });

  it('a recipient error stops the walk: the next connection is not tried', async () => {
    const bot = await newBot([{ provider: 'meta', credentials: creds('801') }, { provider: 'meta', credentials: creds('802') }]);
    const [a, b] = bot.connections.map((c) => c.id) as [string, string];
    meta.failures.set(a, { reason: 'undeliverable' });
    await hook(a, [msgEvent({ providerId: '5491155550008' }, 'hi')]);
    const conv = await convOf(bot.id);
    const m = await api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: 'reply' } }, 202);
    expect(await settled(conv.id, m.id)).toMatchObject({ status: 'failed', error: { code: 'UNDELIVERABLE' } });
    expect(meta.sent.some((s) => s.connectionId === b)).toBe(false);
    meta.failures.delete(a);
  });

  it('never sends marketing or business-initiated messages through an unofficial connection', async () => {
    const bot = await newBot([{ provider: 'baileys', credentials: { app_secret: SECRET } }, { provider: 'meta', credentials: creds('901') }]);
    const [u, o] = bot.connections.map((c) => c.id) as [string, string];
    await hook(o, [msgEvent({ providerId: '5491155550009' }, 'hi')]);
    const conv = await convOf(bot.id);
    // The conversation shows before the job has written the message and opened the window.
    await waitFor(async () => (await messagesOf(conv.id)).find((m) => m.direction === 'in'), 'inbound message');
    // A service reply inside the window may go through the unofficial connection (first in order).
    const service = await api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, content: { type: 'text', text: 'hey' } }, 202);
    expect(await settled(conv.id, service.id)).toMatchObject({ status: 'sent', connection_id: u });
    // Marketing: only the official one, and when it fails the message fails rather than going to Baileys.
    meta.failures.set(o, { reason: 'unavailable' });
    const promo = await api.json<Message>('POST', '/v1/messages', { conversation_id: conv.id, category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['1'] } } }, 202);
    // The job retries with backoff on the platform clock: move it along.
    const failed = await waitFor(async () => {
      t.clock.advance(20_000);
      return (await messagesOf(conv.id)).find((m) => m.id === promo.id && m.status === 'failed');
    }, 'marketing failed', 30_000, 200);
    expect(failed.error!.code).toBe('PROVIDERS_FAILED');
    expect(baileys.sent.some((s) => s.req.messageId === promo.id)).toBe(false);
    meta.failures.delete(o);
    // A bot with only an unofficial connection cannot send marketing at all.
    const only = await newBot([{ provider: 'baileys', credentials: { app_secret: SECRET } }]);
    problem(await api.call('POST', '/v1/messages', { bot_id: only.id, to: '+5491155550010', category: 'marketing', content: { type: 'template', template: { name: 'promo', language: 'en', params: ['1'] } } }), 422, 'NO_CHANNEL_AVAILABLE');
  }, 90_000);
});
