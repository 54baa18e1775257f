/**
 * Bots and connections on the real app: CRUD, the simulator connection a new bot gets,
 * credentials checked, stored sealed (the row is read) and never returned, reorder, validation,
 * and tenant B's key getting 404 for tenant A's bot and connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../../test/harness.js';
import { ChannelError, type ChannelDriver } from '../channels/index.js';

let t: TestApp;
/** A minimal driver so connections of another provider can be saved (the real ones are other helpers'). */
const fakeMeta: ChannelDriver = {
  provider: 'meta',
  capabilities: () => ({ templates: true, buttons: true, lists: true, products: true, media: true, official: true }),
  validateCredentials(c) {
    for (const f of ['access_token', 'app_secret', 'phone_number_id']) if (!c[f]) throw new ChannelError('meta', 'bad_request', `missing ${f}`);
  },
  send: async () => ({ providerMessageId: 'wamid.x', status: 'sent' }),
  verifyWebhook: () => ({ action: 'accept' }),
  parseWebhook: () => [],
  health: async () => ({ ok: true, latencyMs: 1 }),
};

beforeAll(async () => {
  t = await createTestApp({ build: { commerce: { drivers: [fakeMeta] } } });
});
afterAll(async () => t?.close());

const A = () => bearer(t.tenantA.secretKey);
const B = () => bearer(t.tenantB.secretKey);
const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, headers: Record<string, string> = A(), payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

type Conn = { id: string; provider: string; priority: number; enabled: boolean; credentials_set: string[]; unofficial: boolean; webhook_url: string };
type Bot = { id: string; name: string; phone: string | null; connections: Conn[]; templates: unknown[]; window_template: string | null };
const SECRET_TOKEN = 'EAAG-very-secret-access-token-123456';

describe('bots', () => {
  it('creates a bot with a simulator connection when none is given, reads, lists, patches, deletes', async () => {
    const res = await call('POST', '/v1/bots', A(), { name: 'Shop bot', phone: '+5491122334455' });
    expect(res.statusCode, res.body).toBe(201);
    const bot = res.json() as Bot;
    expect(bot.id).toMatch(/^bot_/);
    expect(bot.connections).toHaveLength(1);
    expect(bot.connections[0]).toMatchObject({ provider: 'simulator', enabled: true, unofficial: false, credentials_set: ['secret'] });
    expect(bot.connections[0]!.webhook_url).toMatch(new RegExp(`/hooks/whatsapp/${bot.connections[0]!.id}$`));
    expect(JSON.stringify(bot)).not.toContain('"secret":');

    expect((await call('GET', `/v1/bots/${bot.id}`)).json()).toEqual(bot);
    const list = (await call('GET', '/v1/bots?limit=100')).json() as { data: Bot[]; has_more: boolean };
    expect(list.data.map((b) => b.id)).toContain(bot.id);

    const patched = await call('PATCH', `/v1/bots/${bot.id}`, A(), {
      name: 'Renamed',
      away_message: 'We are closed',
      business_hours: { timezone: 'America/Argentina/Buenos_Aires', intervals: [{ day: 1, start: '09:00', end: '18:00' }] },
      templates: [{ name: 'follow_up', language: 'es_AR', category: 'utility', body: 'Hola: {{1}}' }],
      window_template: 'follow_up',
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Renamed', away_message: 'We are closed', window_template: 'follow_up' });

    expect((await call('DELETE', `/v1/bots/${bot.id}`)).statusCode).toBe(204);
    problem(await call('GET', `/v1/bots/${bot.id}`), 404, 'BOT_NOT_FOUND');
  });

  it('validates phone, time zone, templates and the window template', async () => {
    problem(await call('POST', '/v1/bots', A(), { name: 'x', phone: '+1000' }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/bots', A(), { name: 'x', phone: '+10000000000' }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/bots', A(), { name: 'x', business_hours: { timezone: 'Mars/Olympus', intervals: [] } }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/bots', A(), { name: 'x', window_template: 'nope' }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/bots', A(), { name: 'x', templates: [{ name: 't', language: 'es', category: 'utility', body: 'no placeholder' }], window_template: 't' }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/bots', A(), { name: 'x', connections: [{ provider: 'twilio', credentials: {} }] }), 422, 'CHANNEL_PROVIDER_UNAVAILABLE');
    problem(await call('POST', '/v1/bots', A(), { name: 'x', connections: [{ provider: 'meta', credentials: { access_token: 'a' } }] }), 422, 'CHANNEL_CREDENTIALS_INVALID');
  });

  it('stores credentials sealed, never returns them, patches and removes fields, reorders', async () => {
    const bot = (await call('POST', '/v1/bots', A(), { name: 'Meta bot' })).json() as Bot;
    const res = await call('POST', `/v1/bots/${bot.id}/connections`, A(), { provider: 'meta', credentials: { access_token: SECRET_TOKEN, app_secret: 'app-secret-value', phone_number_id: '1234567890' } });
    expect(res.statusCode, res.body).toBe(201);
    const conn = res.json() as Conn;
    expect(conn).toMatchObject({ provider: 'meta', priority: 10, credentials_set: ['access_token', 'app_secret', 'phone_number_id'] });
    expect(res.body).not.toContain(SECRET_TOKEN);

    const rows = (await t.deps.db.execute(sql`select credentials_sealed, account_ref from commerce_connections where id = ${conn.id}`)) as unknown as { rows: { credentials_sealed: string; account_ref: string }[] };
    expect(rows.rows[0]!.credentials_sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(rows.rows[0]!.credentials_sealed).not.toContain(SECRET_TOKEN);
    expect(rows.rows[0]!.account_ref).toBe('1234567890');
    // The driver's view opens them.
    const row = await t.modules.commerce.bots.getConnection(t.tenantA.id, bot.id, conn.id);
    expect(t.modules.commerce.bots.contextOf(row).credentials.access_token).toBe(SECRET_TOKEN);

    const full = (await call('GET', `/v1/bots/${bot.id}`)).body;
    expect(full).not.toContain(SECRET_TOKEN);
    expect(full).not.toContain('app-secret-value');

    const p = await call('PATCH', `/v1/bots/${bot.id}/connections/${conn.id}`, A(), { credentials: { waba_id: '999' }, enabled: false });
    expect(p.json()).toMatchObject({ enabled: false, credentials_set: ['access_token', 'app_secret', 'phone_number_id', 'waba_id'] });
    problem(await call('PATCH', `/v1/bots/${bot.id}/connections/${conn.id}`, A(), { credentials: { access_token: null } }), 422, 'CHANNEL_CREDENTIALS_INVALID');

    const order = await call('PUT', `/v1/bots/${bot.id}/connections/order`, A(), { order: [conn.id] });
    expect((order.json() as { data: Conn[] }).data.map((c) => c.provider)).toEqual(['meta', 'simulator']);
    expect(t.logs.join('')).not.toContain(SECRET_TOKEN);

    expect((await call('DELETE', `/v1/bots/${bot.id}/connections/${conn.id}`)).statusCode).toBe(204);
    problem(await call('DELETE', `/v1/bots/${bot.id}/connections/${conn.id}`), 404, 'CONNECTION_NOT_FOUND');
  });

  it("answers 404 for another tenant's bot and connections", async () => {
    const bot = (await call('POST', '/v1/bots', A(), { name: 'Mine' })).json() as Bot;
    const cid = bot.connections[0]!.id;
    problem(await call('GET', `/v1/bots/${bot.id}`, B()), 404, 'BOT_NOT_FOUND');
    problem(await call('PATCH', `/v1/bots/${bot.id}`, B(), { name: 'theirs' }), 404, 'BOT_NOT_FOUND');
    problem(await call('DELETE', `/v1/bots/${bot.id}`, B()), 404, 'BOT_NOT_FOUND');
    problem(await call('POST', `/v1/bots/${bot.id}/connections`, B(), { provider: 'simulator' }), 404, 'BOT_NOT_FOUND');
    problem(await call('PATCH', `/v1/bots/${bot.id}/connections/${cid}`, B(), { enabled: false }), 404, 'BOT_NOT_FOUND');
    problem(await call('DELETE', `/v1/bots/${bot.id}/connections/${cid}`, B()), 404, 'BOT_NOT_FOUND');
    problem(await call('PUT', `/v1/bots/${bot.id}/connections/order`, B(), { order: [cid] }), 404, 'BOT_NOT_FOUND');
    expect(((await call('GET', '/v1/bots', B())).json() as { data: Bot[] }).data.map((b) => b.id)).not.toContain(bot.id);
    problem(await call('GET', `/v1/bots/${bot.id}`, bearer(t.tenantA.publishableKey)), 403, 'PUBLISHABLE_KEY_NOT_ALLOWED');
  });

  it('documents the commerce endpoints in OpenAPI and every route schema compiles', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
    for (const p of ['/v1/bots', '/v1/bots/{id}/connections', '/v1/messages', '/v1/conversations/{id}/handover', '/hooks/whatsapp/{connection_id}', '/send']) expect(paths).toContain(p);
    expect(await t.compileSchemas()).toBeGreaterThan(0);
  });
});
