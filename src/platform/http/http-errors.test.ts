/**
 * Every failure leaves as application/problem+json `{ type, title, status, detail, code, request_id }`,
 * every response carries `request-id`, client mistakes are 4xx (never 5xx) and a real internal
 * failure is a generic 500 whose details reach the log, not the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';
import Type from 'typebox';
import { ERRORS, problemType } from '../errors.js';

const BODY_LIMIT = 128 * 1024;
// Load shedding is tested on its own (load-shedding.test.ts); here it would only turn a slow start on a
// busy machine (schema compilation lagging the loop past 1 s) into 503s for the first requests.
const NO_LOAD_SHEDDING = { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0' };
let t: TestApp;
beforeAll(async () => {
  // A small body limit, still large enough for the 10k-deep JSON (60 kB) of the fuzz test.
  t = await createTestApp({
    env: { PROBADOR_BODY_LIMIT: String(BODY_LIMIT), ...NO_LOAD_SHEDDING },
    // A route that takes any JSON object and answers it back (tenant settings, once free-form, now have a schema).
    extraModules: (app) => {
      app.post('/test/echo', { schema: { body: Type.Record(Type.String(), Type.Unknown()) } }, async (req) => req.body);
    },
  });
});
afterAll(async () => t?.close());

type Json = Record<string, unknown>;
const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'code', 'request_id'];

/** The full problem document contract, beyond the harness's status/code check. */
function fullProblem(res: LightMyRequestResponse, status: number, code: keyof typeof ERRORS) {
  const body = problem(res, status, code) as unknown as Json;
  for (const k of PROBLEM_KEYS) expect(body, `member ${k}`).toHaveProperty(k);
  expect(body.type).toBe(problemType(code));
  expect(body.title).toBe(ERRORS[code].title);
  expect(body.status).toBe(status);
  expect(typeof body.detail).toBe('string');
  expect((body.detail as string).length).toBeGreaterThan(0);
  expect(body.request_id).toMatch(/^req_[0-9A-Za-z]+$/);
  expect(res.headers['request-id']).toBe(body.request_id);
  return body;
}

const login = (payload: string, contentType = 'application/json') =>
  t.app.inject({ method: 'POST', url: '/admin/v1/auth/login', headers: { 'content-type': contentType }, payload });
const createTenant = (payload: Json | string) =>
  t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: { ...t.operatorAuth, 'content-type': 'application/json' }, payload });

describe('happy', () => {
  it('every response carries a request-id: 200, 201, 404 and 429 alike, each one different', async () => {
    const seen = new Set<string>();
    const ok = await t.app.inject({ method: 'GET', url: '/health' });
    expect(ok.statusCode).toBe(200);
    const created = await createTenant({ name: 'Request ids' });
    expect(created.statusCode).toBe(201);
    const missing = await t.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    fullProblem(missing, 404, 'ROUTE_NOT_FOUND');
    for (const res of [ok, created, missing]) {
      expect(res.headers['request-id']).toMatch(/^req_[0-9A-Za-z]+$/);
      seen.add(String(res.headers['request-id']));
    }
    // Sign-in attempts are limited to 10 a minute per address and email: the 11th is a 429.
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 11; i++) last = await login(JSON.stringify({ email: 'nobody@test.local', password: 'wrong-password' }));
    const limited = fullProblem(last!, 429, 'RATE_LIMITED');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    seen.add(limited.request_id as string);
    expect(seen.size).toBe(4);
  });
});

describe('errors', () => {
  it('a JSON body may nest 64 levels deep (the body itself being the first); deeper is refused', async () => {
    const nest = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const echo = (payload: string) => t.app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload });
    const ok = await echo(`{"name":"nested","settings":${nest(63)}}`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(JSON.stringify(ok.json().settings)).toBe(nest(63));
    const deep = fullProblem(await echo(`{"name":"nested","settings":${nest(64)}}`), 400, 'VALIDATION_FAILED');
    expect(deep.detail).toBe('The JSON body nests deeper than 64 levels.');
  });

  it('malformed JSON is 400 MALFORMED_JSON', async () => {
    const body = fullProblem(await login('{bad'), 400, 'MALFORMED_JSON');
    expect(body.detail).not.toMatch(/Unexpected token|position/);
    fullProblem(await login('{"email": "a@b.c", "password": '), 400, 'MALFORMED_JSON');
  });

  it('an empty body sent as JSON is 400 MALFORMED_JSON', async () => {
    fullProblem(await login(''), 400, 'MALFORMED_JSON');
  });

  it('a content type other than JSON is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const ct of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const body = fullProblem(await login('email=a@b.c&password=x', `${ct}; charset=utf-8`), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(body.detail).toBe(`Content type ${ct} is not supported here; send application/json.`);
    }
  });

  it('multipart is read only by the routes that take files: elsewhere it is 415 too', async () => {
    const boundary = 'probador-test';
    const form = `--${boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.c\r\n--${boundary}--\r\n`;
    const body = fullProblem(await login(form, `multipart/form-data; boundary=${boundary}`), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(body.detail).toBe('Content type multipart/form-data is not supported here; send application/json.');
  });

  it('a body over PROBADOR_BODY_LIMIT is 413 BODY_TOO_LARGE', async () => {
    const big = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(BODY_LIMIT) });
    fullProblem(await login(big), 413, 'BODY_TOO_LARGE');
    // Just under the limit is parsed (and then refused by the schema's maxLength, not by size).
    const under = JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(BODY_LIMIT - 100) });
    fullProblem(await login(under), 400, 'VALIDATION_FAILED');
  });

  it('a schema violation is 400 VALIDATION_FAILED with an errors array naming the field', async () => {
    const cases: [Json, string][] = [
      [{ name: 'x', tier: 'gold' }, '/tier'],
      [{ name: 'x', colour: 'red' }, '/'],
      [{ name: 'x', allowed_origins: ['https://a.example/path'] }, '/allowed_origins/0'],
      [{ name: '' }, '/name'],
      [{}, '/'],
    ];
    for (const [payload, path] of cases) {
      const body = fullProblem(await createTenant(payload), 400, 'VALIDATION_FAILED');
      const errors = body.errors as { in: string; path: string; message: string }[];
      expect(Array.isArray(errors), JSON.stringify(body)).toBe(true);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]).toMatchObject({ in: 'body', path });
      expect(typeof errors[0]!.message).toBe('string');
    }
    const list = await t.app.inject({ method: 'GET', url: '/admin/v1/tenants?limit=1000', headers: t.operatorAuth });
    expect(fullProblem(list, 400, 'VALIDATION_FAILED').errors).toEqual([expect.objectContaining({ in: 'querystring', path: '/limit' })]);
  });

  it('an unknown route is 404 ROUTE_NOT_FOUND naming the method and path, never echoing the query', async () => {
    const body = fullProblem(await t.app.inject({ method: 'DELETE', url: '/v2/me?key=sk_live_secret' }), 404, 'ROUTE_NOT_FOUND');
    expect(body.detail).toBe('No endpoint DELETE /v2/me.');
  });

  it('an id of the wrong format is 400 VALIDATION_FAILED on params', async () => {
    for (const id of ['not-an-id', 'key_abc', 'ten_', `ten_${'a'.repeat(80)}`, 'ten_abc%20def']) {
      const body = fullProblem(await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${id}`, headers: t.operatorAuth }), 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([expect.objectContaining({ in: 'params', path: '/tenant_id' })]);
    }
    // A well-formed id that does not exist is a 404.
    fullProblem(await t.app.inject({ method: 'GET', url: '/admin/v1/tenants/ten_doesnotexist', headers: t.operatorAuth }), 404, 'TENANT_NOT_FOUND');
  });
});

describe('security', () => {
  it('hostile input is refused with a 4xx, never a 5xx', async () => {
    const huge = 'A'.repeat(64 * 1024);
    const deepArray = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const attempts: [string, () => Promise<LightMyRequestResponse>, number, string][] = [
      ['huge bearer', () => t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(huge) }), 401, 'INVALID_API_KEY'],
      ['huge x-api-key', () => t.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-api-key': `sk_live_${huge}` } }), 401, 'INVALID_API_KEY'],
      [
        'huge origin with a publishable key',
        () => t.app.inject({ method: 'GET', url: '/v1/widget/config', headers: { ...bearer(t.tenantA.publishableKey), origin: `https://${huge}.example` } }),
        403,
        'ORIGIN_NOT_ALLOWED',
      ],
      ['huge bearer on the admin API', () => t.app.inject({ method: 'GET', url: '/admin/v1/tenants', headers: bearer(huge) }), 401, 'INVALID_TOKEN'],
      ['10k-deep array', () => login(deepArray), 400, 'VALIDATION_FAILED'],
      ['10k-deep object', () => login(deepObject), 400, 'VALIDATION_FAILED'],
      ['10k-deep settings of a tenant', () => createTenant(`{"name":"deep","settings":${deepObject}}`), 400, 'VALIDATION_FAILED'],
      ['__proto__ pollution', () => login('{"__proto__":{"x":1},"email":"a@b.c","password":"p"}'), 400, 'MALFORMED_JSON'],
      ['constructor.prototype pollution', () => login('{"constructor":{"prototype":{"x":1}},"email":"a@b.c","password":"p"}'), 400, 'MALFORMED_JSON'],
      ['__proto__ in tenant settings', () => createTenant('{"name":"p","settings":{"__proto__":{"polluted":true}}}'), 400, 'MALFORMED_JSON'],
      ['null byte in the path', () => t.app.inject({ method: 'GET', url: '/admin/v1/tenants/ten_abc%00', headers: t.operatorAuth }), 400, 'VALIDATION_FAILED'],
      ['null byte as the path', () => t.app.inject({ method: 'GET', url: '/v1/%00' }), 404, 'ROUTE_NOT_FOUND'],
      ['null byte in a string', () => createTenant({ name: 'a\u0000b' }), 400, 'VALIDATION_FAILED'],
      ['null byte in a settings key', () => createTenant({ name: 'x', settings: { 'a\u0000': 1 } }), 400, 'VALIDATION_FAILED'],
      ['null byte in a settings value', () => createTenant({ name: 'x', settings: { a: ['b\u0000'] } }), 400, 'VALIDATION_FAILED'],
      [
        'null byte in a query string',
        () => t.app.inject({ method: 'GET', url: '/admin/v1/tenants?starting_after=ten_abc%00', headers: t.operatorAuth }),
        400,
        'VALIDATION_FAILED',
      ],
      ['null byte in an email', () => login(JSON.stringify({ email: 'a\u0000@b.c', password: 'p' })), 400, 'VALIDATION_FAILED'],
      ['lone surrogate in JSON', () => login('{"email":"\\ud800@b.c","password":"p"}'), 400, 'VALIDATION_FAILED'],
      ['number where a string belongs', () => login('{"email":1e400,"password":"p"}'), 400, 'VALIDATION_FAILED'],
    ];
    for (const [name, send, status, code] of attempts) {
      const res = await send();
      expect(res.statusCode, `${name}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
      try {
        fullProblem(res, status, code as keyof typeof ERRORS);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
    // Fastify answers these two itself, before any hook: 4xx, though not yet problem+json (see below).
    const badUrl = await t.app.inject({ method: 'GET', url: '/admin/v1/tenants/%E0%A4%A', headers: t.operatorAuth });
    expect(badUrl.statusCode).toBe(400);
    const longParam = await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/ten_${'a'.repeat(2000)}`, headers: t.operatorAuth });
    expect(longParam.statusCode).toBe(414);
    expect(({} as Json).x).toBeUndefined();
    expect(({} as Json).polluted).toBeUndefined();
  });

  // Known gap: Fastify writes these straight to the socket unless the `frameworkErrors` server
  // option (in app.ts) routes them to sendProblem. Flip to `it` once it does.
  it('framework-level refusals (bad URL encoding, over-long path parameter) are problem+json with a request-id', async () => {
    const badUrl = await t.app.inject({ method: 'GET', url: '/admin/v1/tenants/%E0%A4%A', headers: t.operatorAuth });
    fullProblem(badUrl, 400, 'VALIDATION_FAILED');
    const longParam = await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/ten_${'a'.repeat(2000)}`, headers: t.operatorAuth });
    fullProblem(longParam, 414, 'URI_TOO_LONG');
  });

  it('unicode text is stored and returned intact', async () => {
    const name = 'Tienda Ñandú 🛍️ — متجر — 店';
    const res = await createTenant({ name });
    expect(res.statusCode, res.body).toBe(201);
    const got = await t.app.inject({ method: 'GET', url: `/admin/v1/tenants/${res.json().id}`, headers: t.operatorAuth });
    expect(got.json().name).toBe(name);
  });

  it('the JSON parser error text and the stack never reach the client', async () => {
    const res = await login('{"email": "a@b.c", "password": "p",}');
    const body = fullProblem(res, 400, 'MALFORMED_JSON');
    expect(res.body).not.toMatch(/at .*\.js|SyntaxError|node_modules/);
    expect(Object.keys(body).sort()).toEqual([...PROBLEM_KEYS].sort());
  });
});

// Last: this closes the shared app's database.
describe('errors: an internal failure', () => {
  it('is a generic 500 INTERNAL, logged with the request id and the cause, with no SQL or stack in the body', async () => {
    // Warm the key cache so authentication succeeds without the database.
    expect((await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t.tenantA.secretKey) })).statusCode).toBe(200);
    await t.deps.database.close();
    t.clock.advance(2_500); // past /v1/me's usage cache and its grace: the next call must query
    const res = await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t.tenantA.secretKey) });
    const body = fullProblem(res, 500, 'INTERNAL');
    expect(body.detail).toBe('Something went wrong on our side. Quote the request_id when you report it.');
    expect(Object.keys(body).sort()).toEqual([...PROBLEM_KEYS].sort());
    expect(res.body).not.toMatch(/select|usage_counters|Failed query|closed|pool|\.ts:|\.js:/i);

    const logged = t.logs.map((l) => JSON.parse(l) as Json).find((l) => l.request_id === body.request_id && l.level === 50);
    expect(logged, 'an error log line for the request').toBeDefined();
    expect(logged!.code).toBe('INTERNAL');
    const err = logged!.err as { message: string; stack: string };
    expect(err.message.length).toBeGreaterThan(0);
    expect(err.stack).toContain('at ');
    expect(logged!.tenant_id).toBe(t.tenantA.id);

    // An admin call needing the database fails the same way.
    const admin = await createTenant({ name: 'nowhere' });
    fullProblem(admin, 500, 'INTERNAL');
    expect(admin.body).not.toMatch(/insert|tenants"|Failed query/i);
  });
});
