/** Webhook endpoints API: create (secret once), list, get, patch, delete, rotate; SSRF; tenant isolation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import { startReceiver, type Receiver } from '../../../test/fakes/webhook-receiver.js';

let t: TestApp;
let rx: Receiver;
const secrets: string[] = [];

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({
    env: { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0' }, // a busy test machine must not shed our requests
    build: { webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } },
  });
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

type Endpoint = { id: string; url: string; secret?: string; event_types: string[]; enabled: boolean; disabled_reason: string | null; failing_since: string | null; description: string | null; previous_secret_expires_at: string | null };

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, key = t.tenantA.secretKey, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, headers: { ...bearer(key), ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });

async function create(body: Record<string, unknown> = {}, key = t.tenantA.secretKey): Promise<Endpoint> {
  const res = await call('POST', '/v1/webhook-endpoints', key, { url: rx.url('/hook'), event_types: ['*'], ...body });
  expect(res.statusCode, res.body).toBe(201);
  const e = res.json() as Endpoint;
  secrets.push(e.secret!);
  return e;
}

describe('happy', () => {
  it('creates an endpoint; the whsec_ secret is in the create response only, and stored to sign', async () => {
    const e = await create({ event_types: ['tryon.succeeded', 'tryon.failed'], description: 'orders system' });
    expect(e.id).toMatch(/^whe_/);
    expect(e.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(e.secret!.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(e).toMatchObject({ url: rx.url('/hook'), event_types: ['tryon.succeeded', 'tryon.failed'], enabled: true, disabled_reason: null, failing_since: null, description: 'orders system' });

    const got = await call('GET', `/v1/webhook-endpoints/${e.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty('secret');
    expect(got.body).not.toContain(e.secret!.slice(6));
    const list = await call('GET', '/v1/webhook-endpoints');
    expect(list.json().data.some((x: Endpoint) => x.id === e.id)).toBe(true);
    expect(list.body).not.toContain(e.secret!.slice(6));

    const rows = (await t.deps.db.execute(sql`select secret from webhook_endpoints where id = ${e.id}`)) as unknown as { rows: { secret: string }[] };
    expect(rows.rows[0]!.secret).toBe(e.secret);
  });

  it('an Idempotency-Key replay does not show the secret again', async () => {
    const body = { url: rx.url('/idem'), event_types: ['*'] };
    const first = await call('POST', '/v1/webhook-endpoints', t.tenantA.secretKey, body, { 'idempotency-key': 'create-hook-1' });
    const again = await call('POST', '/v1/webhook-endpoints', t.tenantA.secretKey, body, { 'idempotency-key': 'create-hook-1' });
    secrets.push(first.json().secret);
    expect(again.json().id).toBe(first.json().id);
    expect(again.json().secret).toBe('[shown once]');
  });

  it('lists newest first with a cursor', async () => {
    const made = [await create(), await create(), await create()].map((e) => e.id);
    const page1 = (await call('GET', '/v1/webhook-endpoints?limit=2')).json();
    expect(page1.has_more).toBe(true);
    const ids1 = page1.data.map((e: Endpoint) => e.id) as string[];
    expect(ids1).toEqual([...ids1].sort().reverse());
    const page2 = (await call('GET', `/v1/webhook-endpoints?limit=100&starting_after=${ids1[1]}`)).json();
    const ids2 = page2.data.map((e: Endpoint) => e.id) as string[];
    expect(ids2.every((id) => id < ids1[1]!)).toBe(true);
    for (const id of made) expect([...ids1, ...ids2]).toContain(id);
  });

  it('patches url, types and description; disabling is manual; re-enabling clears the failing state', async () => {
    const e = await create();
    let res = await call('PATCH', `/v1/webhook-endpoints/${e.id}`, undefined, { url: rx.url('/other'), event_types: ['tryon.canceled'], description: null });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ url: rx.url('/other'), event_types: ['tryon.canceled'], description: null });
    res = await call('PATCH', `/v1/webhook-endpoints/${e.id}`, undefined, { enabled: false });
    expect(res.json()).toMatchObject({ enabled: false, disabled_reason: 'manual' });

    await t.deps.db.execute(sql`update webhook_endpoints set disabled_reason = 'failing', failing_since = now() - interval '6 days' where id = ${e.id}`);
    expect((await call('GET', `/v1/webhook-endpoints/${e.id}`)).json().failing_since).not.toBeNull();
    res = await call('PATCH', `/v1/webhook-endpoints/${e.id}`, undefined, { enabled: true });
    expect(res.json()).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
  });

  it('rotates the secret: a new one shown once; the old one signs too for 24 h by default, or not at all', async () => {
    const e = await create();
    const res = await call('POST', `/v1/webhook-endpoints/${e.id}/rotate-secret`, undefined, {});
    expect(res.statusCode, res.body).toBe(200);
    const rotated = res.json() as Endpoint;
    secrets.push(rotated.secret!);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(e.secret);
    expect(Date.parse(rotated.previous_secret_expires_at!) - t.clock.now()).toBe(86_400_000);
    expect((await call('GET', `/v1/webhook-endpoints/${e.id}`)).body).not.toContain(rotated.secret!.slice(6));

    const now = await call('POST', `/v1/webhook-endpoints/${e.id}/rotate-secret`, undefined, { previous_secret_valid_seconds: 0 });
    secrets.push(now.json().secret);
    expect(now.json().previous_secret_expires_at).toBeNull();
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/v1/webhook-endpoints', '/v1/webhook-endpoints/{id}', '/v1/webhook-endpoints/{id}/rotate-secret', '/v1/webhook-endpoints/{id}/test', '/v1/webhook-endpoints/{id}/deliveries', '/v1/webhook-endpoints/{id}/deliveries/{delivery_id}', '/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(doc.paths['/v1/webhook-endpoints'].post.security).toEqual([{ apiKey: [] }, { session: [] }]); // a secret key, or the dashboard's signed-in people
    const named = Object.values(doc.components.schemas as Record<string, { title?: string }>).map((c) => c.title);
    expect(named).toEqual(expect.arrayContaining(['WebhookEndpoint', 'WebhookDelivery']));
  });

  it('deletes', async () => {
    const e = await create();
    const res = await call('DELETE', `/v1/webhook-endpoints/${e.id}`);
    expect(res.json()).toEqual({ id: e.id, object: 'webhook_endpoint', deleted: true });
    problem(await call('GET', `/v1/webhook-endpoints/${e.id}`), 404, 'NOT_FOUND');
  });
});

describe('errors', () => {
  it('validates the body and ids', async () => {
    problem(await call('POST', '/v1/webhook-endpoints', undefined, { url: rx.url('/x'), event_types: [] }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/webhook-endpoints', undefined, { url: rx.url('/x'), event_types: ['tryon.exploded'] }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/webhook-endpoints', undefined, { event_types: ['*'] }), 400, 'VALIDATION_FAILED');
    problem(await call('POST', '/v1/webhook-endpoints', undefined, { url: rx.url('/x'), event_types: ['*'], secret: 'mine' }), 400, 'VALIDATION_FAILED');
    const e = await create();
    problem(await call('PATCH', `/v1/webhook-endpoints/${e.id}`, undefined, {}), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/webhook-endpoints/not-an-id'), 400, 'VALIDATION_FAILED');
    problem(await call('GET', '/v1/webhook-endpoints/whe_00000000000000000000000000'), 404, 'NOT_FOUND');
  });

  it('refuses a test event to a disabled endpoint', async () => {
    const e = await create();
    await call('PATCH', `/v1/webhook-endpoints/${e.id}`, undefined, { enabled: false });
    problem(await call('POST', `/v1/webhook-endpoints/${e.id}/test`), 409, 'CONFLICT');
  });

  it('caps the endpoints of a tenant at 20', async () => {
    const key = t.tenantB.secretKey;
    const count = (await call('GET', '/v1/webhook-endpoints?limit=100', key)).json().data.length as number;
    for (let i = count; i < 20; i++) await create({}, key);
    problem(await call('POST', '/v1/webhook-endpoints', key, { url: rx.url('/hook'), event_types: ['*'] }), 409, 'CONFLICT');
    for (const e of (await call('GET', '/v1/webhook-endpoints?limit=100', key)).json().data as Endpoint[]) await call('DELETE', `/v1/webhook-endpoints/${e.id}`, key);
  });
});

describe('security', () => {
  it.each([
    ['https://127.0.0.1/hook'],
    ['https://10.0.0.1/hook'],
    ['https://169.254.169.254/latest/meta-data/'],
    ['http://localhost/hook'],
    ['https://localhost/hook'],
    ['https://[::1]/hook'],
    ['https://2130706433/hook'],
    ['file:///etc/passwd'],
    ['http://shop.example/hook'],
    ['https://user:pass@shop.example/hook'],
    ['not a url'],
  ])('refuses %s with 400 URL_NOT_ALLOWED (create and patch)', async (url) => {
    const body = problem(await call('POST', '/v1/webhook-endpoints', undefined, { url, event_types: ['*'] }), 400, 'URL_NOT_ALLOWED');
    expect(body.detail).not.toContain('ECONN');
    const e = await create();
    problem(await call('PATCH', `/v1/webhook-endpoints/${e.id}`, undefined, { url }), 400, 'URL_NOT_ALLOWED');
    await call('DELETE', `/v1/webhook-endpoints/${e.id}`);
  });

  it('http is allowed only for the allow-listed test host (and its exact port)', async () => {
    const [host, port] = rx.host.split(':');
    const other = `http://${host}:${Number(port) === 65535 ? 65534 : Number(port) + 1}/hook`;
    problem(await call('POST', '/v1/webhook-endpoints', undefined, { url: other, event_types: ['*'] }), 400, 'URL_NOT_ALLOWED');
  });

  it('needs a secret key', async () => {
    problem(await t.app.inject({ method: 'GET', url: '/v1/webhook-endpoints' }), 401, 'UNAUTHENTICATED');
    const res = await t.app.inject({ method: 'GET', url: '/v1/webhook-endpoints', headers: { ...bearer(t.tenantA.publishableKey), origin: t.tenantA.origin } });
    expect(res.statusCode).toBe(403);
  });

  it("tenant B gets 404 for tenant A's endpoint, whatever it asks", async () => {
    const e = await create();
    const b = t.tenantB.secretKey;
    problem(await call('GET', `/v1/webhook-endpoints/${e.id}`, b), 404, 'NOT_FOUND');
    problem(await call('PATCH', `/v1/webhook-endpoints/${e.id}`, b, { enabled: false }), 404, 'NOT_FOUND');
    problem(await call('POST', `/v1/webhook-endpoints/${e.id}/rotate-secret`, b, {}), 404, 'NOT_FOUND');
    problem(await call('POST', `/v1/webhook-endpoints/${e.id}/test`, b), 404, 'NOT_FOUND');
    problem(await call('GET', `/v1/webhook-endpoints/${e.id}/deliveries`, b), 404, 'NOT_FOUND');
    problem(await call('DELETE', `/v1/webhook-endpoints/${e.id}`, b), 404, 'NOT_FOUND');
    expect((await call('GET', '/v1/webhook-endpoints?limit=100', b)).json().data.some((x: Endpoint) => x.id === e.id)).toBe(false);
    const still = await call('GET', `/v1/webhook-endpoints/${e.id}`);
    expect(still.json()).toMatchObject({ id: e.id, enabled: true });
  });

  it('no secret ever reaches a log', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets) expect(logs).not.toContain(s.slice(6, 30));
  });
});
