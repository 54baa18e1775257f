/**
 * What operators see: logs (JSON lines with request ids and the calling tenant/key, never a secret),
 * Prometheus metrics, health and readiness probes, and the generated API reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, OPERATOR, problem, usingPostgres, usingRedis, type TestApp } from '../../../test/harness.js';

// Load shedding is tested on its own (load-shedding.test.ts); here it would only turn a slow start on a
// busy machine (schema compilation lagging the loop past 1 s) into 503s for the first requests.
const NO_LOAD_SHEDDING = { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0' };
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: NO_LOAD_SHEDDING });
});
afterAll(async () => t?.close());

type LogLine = Record<string, unknown> & { request_id?: string; msg?: string; level: number };
const logLines = () => t.logs.map((l) => JSON.parse(l) as LogLine);
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

describe('happy', () => {
  it('logs carry request ids and name the tenant and key of key-authenticated requests, but never a secret', async () => {
    const secrets: string[] = [t.tenantA.secretKey, t.tenantA.publishableKey, t.tenantB.secretKey, OPERATOR.password];
    const requestIds: string[] = [];
    const track = <T extends { headers: Record<string, unknown> }>(res: T) => {
      requestIds.push(String(res.headers['request-id']));
      return res;
    };

    // Sign in with a password; use and rotate the refresh token.
    const login = track(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: OPERATOR }));
    expect(login.statusCode).toBe(200);
    const tokens = login.json() as { access_token: string; refresh_token: string };
    secrets.push(tokens.access_token, tokens.refresh_token);
    const refreshed = track(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/refresh', payload: { refresh_token: tokens.refresh_token } }));
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    secrets.push(refreshed.json().access_token, refreshed.json().refresh_token);
    // Reusing the spent refresh token is refused (and ends the session).
    const reused = track(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/refresh', payload: { refresh_token: tokens.refresh_token } }));
    expect(reused.statusCode).toBe(401);
    // A failed sign-in, with a password that must not be logged either.
    const wrongPassword = 'Wrong-Password-That-Must-Not-Leak-42';
    secrets.push(wrongPassword);
    const failed = track(await t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: OPERATOR.email, password: wrongPassword } }));
    problem(failed, 401, 'INVALID_CREDENTIALS');
    // A key created: the response shows it once.
    const created = track(await t.app.inject({ method: 'POST', url: `/admin/v1/tenants/${t.tenantA.id}/keys`, headers: t.operatorAuth, payload: { name: 'logged?' } }));
    expect(created.statusCode).toBe(201);
    const newKey = created.json() as { id: string; key: string };
    secrets.push(newKey.key);
    // The key in each of the three headers, and (by mistake) in the query string; an unknown key too.
    const keyCalls = [
      await get('/v1/me', bearer(newKey.key)),
      await get('/v1/me', { 'x-api-key': newKey.key }),
      await get('/v1/me', { 'x-client-key': newKey.key }),
      await get(`/v1/me?api_key=${newKey.key}`, bearer(newKey.key)),
    ];
    for (const res of keyCalls) expect(res.statusCode, res.body).toBe(200);
    const unknownKey = `sk_live_${'Z'.repeat(32)}`;
    secrets.push(unknownKey);
    problem(await get('/v1/me', bearer(unknownKey)), 401, 'INVALID_API_KEY');
    // A password change body.
    const newPassword = 'a-brand-new-password-77';
    secrets.push(newPassword);
    const changed = await t.app.inject({
      method: 'POST',
      url: '/admin/v1/auth/password',
      headers: { authorization: `Bearer ${refreshed.json().access_token}` },
      payload: { current_password: 'not-the-current-one', new_password: newPassword },
    });
    expect(changed.statusCode).toBe(401);

    const text = t.logs.join('');
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(10);
      expect(text.includes(secret), `a secret reached the logs: ${secret.slice(0, 12)}…`).toBe(false);
    }
    // Not even the part after the prefix of a key.
    expect(text).not.toContain(newKey.key.slice(8));

    const lines = logLines();
    for (const id of requestIds) expect(lines.some((l) => l.request_id === id), `request ${id} logged`).toBe(true);
    // Every line of a key-authenticated request's completion names its tenant and key.
    for (const res of keyCalls) {
      const done = lines.find((l) => l.request_id === res.headers['request-id'] && l.msg === 'request completed');
      expect(done, 'a completion line').toBeDefined();
      expect(done!.res).toEqual({ status: 200, tenant_id: t.tenantA.id, key_id: newKey.id });
      // Lines written through the request's logger name the caller at the top level too.
      expect(done!.tenant_id).toBe(t.tenantA.id);
      expect(done!.key_id).toBe(newKey.id);
      expect(done!.req === undefined || !JSON.stringify(done!.req).includes('api_key')).toBe(true);
    }
    // The incoming line has the path without the query string.
    const incoming = lines.find((l) => l.request_id === keyCalls[3]!.headers['request-id'] && l.msg === 'incoming request');
    expect((incoming!.req as { url: string }).url).toBe('/v1/me');
  });

  it('/metrics exposes request durations by route template and status, and the rate-limit and pool metrics', async () => {
    expect((await get('/v1/me', bearer(t.tenantB.secretKey))).statusCode).toBe(200);
    expect((await get(`/admin/v1/tenants/${t.tenantB.id}`, t.operatorAuth)).statusCode).toBe(200);
    expect((await get('/v1/this-is-not-a-route-xyz')).statusCode).toBe(404);
    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = res.body;
    expect(m).toMatch(/^probador_http_request_duration_seconds_count\{method="GET",route="\/v1\/me",status="200"\} [1-9]\d*$/m);
    expect(m).toMatch(/^probador_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/v1\/me",status="200"\} \d+$/m);
    expect(m).toMatch(/^probador_http_request_duration_seconds_count\{method="GET",route="\/admin\/v1\/tenants\/:tenant_id",status="200"\} [1-9]\d*$/m);
    expect(m).toMatch(/^probador_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]\d*$/m);
    // Templates only: raw paths would explode the label set.
    expect(m).not.toContain(t.tenantB.id);
    expect(m).not.toContain('this-is-not-a-route-xyz');
    expect(m).toContain('# TYPE probador_rate_limit_hits_total counter');
    expect(m).toContain('# TYPE probador_load_shed_total counter');
    expect(m).toContain('# TYPE probador_db_pool_connections gauge');
    if (usingPostgres()) {
      expect(m).toMatch(/^probador_db_pool_connections\{state="total"\} [1-9]\d*$/m);
      expect(m).toMatch(/^probador_db_pool_connections\{state="idle"\} \d+$/m);
      expect(m).toMatch(/^probador_db_pool_connections\{state="waiting"\} \d+$/m);
    } else {
      expect(m).not.toMatch(/^probador_db_pool_connections\{/m); // PGlite has no pool
    }
    // A refusal shows up in the counter.
    const limited = await t.modules.tenants.tenants.createTenant({ name: 'Limited', limits: { requests_per_minute_per_key: 1 } });
    const key = (await t.modules.tenants.tenants.createKey(limited.id, {})).key;
    expect((await get('/v1/me', bearer(key))).statusCode).toBe(200);
    problem(await get('/v1/me', bearer(key)), 429, 'RATE_LIMITED');
    expect((await get('/metrics')).body).toMatch(/^probador_rate_limit_hits_total\{scope="key"\} [1-9]\d*$/m);
  });

  it('every API response carries the REST security headers and a request-id: 200, 401, 404 and 429 alike; pages get helmet’s set', async () => {
    const limited = await t.modules.tenants.tenants.createTenant({ name: 'Headers', limits: { requests_per_minute_per_key: 1 } });
    const key = (await t.modules.tenants.tenants.createKey(limited.id, {})).key;
    const responses = [
      await get('/v1/me', bearer(t.tenantB.secretKey)),
      await get('/v1/me'),
      await get('/v1/no-such-route'),
      await get('/v1/me', bearer(key)),
      await get('/v1/me', bearer(key)),
      await get('/admin/v1/tenants'),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 404, 200, 429, 401]);
    for (const res of responses) {
      expect(res.headers['request-id']).toMatch(/^req_[0-9A-Z]{26}$/);
      expect(res.headers).toMatchObject({
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'cross-origin-resource-policy': 'cross-origin',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
      });
      // No page policies on data.
      for (const h of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-xss-protection']) expect(res.headers[h], h).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    expect(new Set(responses.map((r) => r.headers['request-id'])).size).toBe(responses.length);
    // Outside the API (the OpenAPI document, an unknown page): helmet's set.
    for (const path of ['/openapi.json', '/no-such-page']) {
      const page = await get(path);
      expect(page.headers['request-id']).toMatch(/^req_/);
      expect(page.headers).toMatchObject({
        'content-security-policy':
          "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data: blob:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';upgrade-insecure-requests",
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'cross-origin',
        'origin-agent-cluster': '?1',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'x-content-type-options': 'nosniff',
        'x-dns-prefetch-control': 'off',
        'x-download-options': 'noopen',
        'x-frame-options': 'SAMEORIGIN',
        'x-permitted-cross-domain-policies': 'none',
        'x-xss-protection': '0',
      });
    }
  });

  it('/health is 200, and /ready is 200 with every dependency checked', async () => {
    const health = await get('/health');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const ready = await get('/ready');
    expect(ready.statusCode, ready.body).toBe(200);
    const body = ready.json() as { status: string; checks: Record<string, { status: string; latency_ms: number }> };
    expect(body.status).toBe('ready');
    const expected = usingRedis() ? ['cache', 'database', 'redis', 'storage'] : ['cache', 'database', 'storage'];
    expect(Object.keys(body.checks).sort()).toEqual(expected);
    for (const name of expected) {
      expect(body.checks[name]!.status, name).toBe('ok');
      expect(body.checks[name]!.latency_ms).toBeGreaterThanOrEqual(0);
    }
    // The readiness probe feeds the database round-trip histogram.
    expect((await get('/metrics')).body).toMatch(/^probador_db_ping_seconds_count [1-9]\d*$/m);
  });

  it('/openapi.json is OpenAPI 3.1 with the key and session security on the API paths', async () => {
    const res = await get('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { security?: unknown; responses?: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Probador API');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/me']?.get?.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/v1/me']?.get?.responses).toHaveProperty('429');
    expect(doc.paths['/admin/v1/tenants']?.get?.security).toEqual([{ session: [] }]);
    expect(doc.paths['/admin/v1/tenants']?.post?.security).toEqual([{ session: [] }]);
    expect(doc.paths['/admin/v1/tenants/{tenant_id}/keys']?.post?.security).toEqual([{ session: [] }]);
    expect(doc.paths['/admin/v1/tenants/{tenant_id}/keys']?.get?.security).toEqual([{ session: [] }]);
    // The sign-in itself needs nothing; the probes are documented, /metrics is not.
    expect(doc.paths['/admin/v1/auth/login']?.post?.security).toEqual([]); // declared public (security-defined)
    expect(doc.paths).toHaveProperty('/health');
    expect(doc.paths).not.toHaveProperty('/metrics');
  });

  it('/docs serves the reference UI and every asset of the page loads', async () => {
    /** GET, following redirects; returns the answer and the final path. */
    const follow = async (start: string) => {
      let url = start;
      let res = await get(url);
      for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 5; hops++) {
        url = new URL(String(res.headers.location), `http://localhost${url}`).pathname;
        res = await get(url);
      }
      return { res, url };
    };
    for (const start of ['/docs', '/docs/', '/docs/static/index.html']) {
      const { res, url } = await follow(start);
      expect(res.statusCode, `${start} → ${url}: ${res.body.slice(0, 200)}`).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<div id="swagger-ui">');
      const assets = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length, start).toBeGreaterThanOrEqual(5);
      for (const asset of assets) {
        expect(asset, 'served from this server').not.toMatch(/^(https?:)?\/\//);
        const path = new URL(asset, `http://localhost${url}`).pathname;
        const a = await get(path);
        expect(a.statusCode, `${start}: ${path}`).toBe(200);
        expect(a.rawPayload.length, path).toBeGreaterThan(0);
      }
    }
    // The initializer loads the document from ./json next to the page.
    const init = await get('/docs/static/swagger-initializer.js');
    expect(init.statusCode).toBe(200);
    expect(init.body).toContain("resolveUrl('./json')");
    const spec = await get('/docs/json');
    expect(spec.statusCode).toBe(200);
    expect(spec.json().openapi).toBe('3.1.0');
    expect(spec.json().paths).toHaveProperty('/v1/me');
  });
});

// Last: this closes the shared app's database.
describe('errors', () => {
  it('/ready is 503 naming the failing dependency when the database is closed; /health stays 200', async () => {
    await t.deps.database.close();
    const ready = await get('/ready');
    expect(ready.statusCode).toBe(503);
    const body = ready.json() as { status: string; checks: Record<string, { status: string; error?: string }> };
    expect(body.status).toBe('not_ready');
    expect(body.checks.database!.status).toBe('fail');
    expect(body.checks.database!.error!.length).toBeGreaterThan(0);
    expect(body.checks.storage!.status).toBe('ok');
    expect(ready.headers['request-id']).toMatch(/^req_/);
    expect((await get('/health')).statusCode).toBe(200);
  });
});
