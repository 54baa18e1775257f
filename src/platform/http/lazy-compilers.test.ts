/**
 * Route schemas compile on a route's first request (lazy-compilers.ts): validation and response
 * serialization behave as with Fastify's eager compilers, and every schema of the app compiles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '0' },
    // A route whose handler returns more than its response schema declares, and a string for an integer.
    extraModules: (app) => {
      app.get('/test/lazy-serializer', { schema: { response: { 200: Type.Object({ a: Type.Integer(), b: Type.String() }) } } }, async () => ({ a: '7', b: 'kept', internal: 'dropped' }) as never);
    },
  });
});
afterAll(async () => t?.close());

describe('lazy route schema compilation', () => {
  it('validates a body on the first request of a route, with the validator errors in the problem', async () => {
    // The first ever request to this route: its validator compiles now and refuses the body.
    const res = await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: t.operatorAuth, payload: { name: 42, tier: 'galactic' } });
    const body = problem(res, 400, 'VALIDATION_FAILED') as unknown as { detail: string };
    expect(body.detail).toMatch(/name|tier/);
    // A valid body passes the same (now compiled) validator, with defaults applied.
    const ok = await t.app.inject({ method: 'POST', url: '/admin/v1/tenants', headers: t.operatorAuth, payload: { name: 'Lazy Shop' } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ name: 'Lazy Shop', tier: 'free', active: true });
  });

  it('serializes responses through the route schema: members outside it are dropped', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/test/lazy-serializer' });
    expect(res.statusCode).toBe(200);
    // fast-json-stringify's output, not JSON.stringify's: the integer coerced, the extra member gone.
    expect(res.body).toBe('{"a":7,"b":"kept"}');
  });

  it('compiles every route schema of the app without error, and only once', async () => {
    const compiled = t.compileSchemas();
    // ~100 routes with body, query, params and response schemas: many were still pending.
    expect(compiled).toBeGreaterThan(50);
    expect(t.compileSchemas()).toBe(0);
    // Still serving after the forced compiles.
    const res = await t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(t.tenantB.secretKey) });
    expect(res.statusCode).toBe(200);
  });
});
