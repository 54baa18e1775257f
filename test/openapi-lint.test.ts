/**
 * The OpenAPI document served at /openapi.json passes Redocly's recommended rules (redocly.yaml;
 * the two justified exceptions in .redocly.lint-ignore.yaml): every operation has a unique
 * operationId, a tag, its security scheme, problem+json error responses; `servers` is set. A route
 * added later with none of that gets it from the central completion (openapi-document.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig as loadRedoclyConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import { Type } from 'typebox';
import { createTestApp, type TestApp } from './harness.js';
import { ROOT } from './cli-run.js';

type Op = { operationId?: string; tags?: string[]; security?: Record<string, string[]>[]; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> };
type Doc = { servers?: { url: string }[]; paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } };

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const DOC_PATH = join(ROOT, 'openapi.json'); // the name .redocly.lint-ignore.yaml knows it by

async function lint(doc: unknown): Promise<NormalizedProblem[]> {
  const config = await loadRedoclyConfig({ configPath: join(ROOT, 'redocly.yaml') });
  const problems = await lintFromString({ source: JSON.stringify(doc, null, 2), absoluteRef: DOC_PATH, config });
  return problems.filter((p) => !p.ignored); // the exceptions listed in .redocly.lint-ignore.yaml come back marked

}

const show = (problems: NormalizedProblem[]) => problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);

function operations(doc: Doc) {
  return Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ method: m, path, op: item[m]! })));
}

let t: TestApp;
let doc: Doc;

beforeAll(async () => {
  t = await createTestApp({
    seed: false,
    env: { PUBLIC_URL: 'https://tryon.probador.test' },
    // A route written later with nothing but a summary and a body: the document completes it.
    extraModules: (app) => {
      app.post(
        '/v1/test-widgets/:widget_id/frobnicate',
        { config: { auth: 'secret' }, schema: { summary: 'A route added later', body: Type.Object({ n: Type.Integer() }), response: { 200: Type.Object({ ok: Type.Boolean() }) } } },
        async () => ({ ok: true }),
      );
      // An end user's route (the accounts module's auth mode), documented only: never called here.
      app.get('/v1/test-profiles/me', { config: { auth: 'end_user' as never }, schema: { summary: 'An end user’s route', response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));
    },
  });
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json() as Doc;
});
afterAll(async () => t?.close());

describe('the OpenAPI document', () => {
  it('passes Redocly’s recommended rules with no error and no warning', async () => {
    const problems = await lint(doc);
    expect(show(problems)).toEqual([]);
  });

  it('fails the same lint when an operation loses its operationId, its 4xx or its security (the lint can fail)', async () => {
    const broken = structuredClone(doc);
    const op = broken.paths['/v1/tryons/{tryon_id}']!.get!;
    delete op.operationId;
    for (const s of Object.keys(op.responses)) if (s.startsWith('4')) delete op.responses[s];
    delete op.security;
    // Ignored (known) problems stay out, so the lint of the whole document sees exactly these.
    const rules = new Set((await lint(broken)).map((p) => p.ruleId));
    expect(rules).toContain('operation-operationId');
    expect(rules).toContain('operation-4xx-response');
    expect(rules).toContain('security-defined');
    // And an ignore entry does not hide other operations: /health's twin without the exception.
    broken.paths['/health-copy'] = broken.paths['/health']!;
    broken.paths['/health-copy'].get!.operationId = 'healthCopy.get';
    expect((await lint(broken)).some((p) => p.ruleId === 'operation-4xx-response' && p.location[0]?.pointer === '#/paths/~1health-copy/get/responses')).toBe(true);
  });

  it('gives every operation a unique, stable operationId derived from method and path', () => {
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(100);
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const idOf = (method: string, path: string) => doc.paths[path]?.[method]?.operationId;
    expect(idOf('post', '/v1/tryons')).toBe('tryons.create');
    expect(idOf('get', '/v1/tryons')).toBe('tryons.list');
    expect(idOf('get', '/v1/tryons/{tryon_id}')).toBe('tryons.get');
    expect(idOf('post', '/v1/tryons/{tryon_id}/cancel')).toBe('tryons.cancel');
    expect(idOf('post', '/v1/uploads')).toBe('uploads.create');
    expect(idOf('patch', '/v1/bots/{id}/connections/{connection_id}')).toBe('bots.connections.update');
    expect(idOf('post', '/v1/bots/{id}/connections')).toBe('bots.connections.create');
    expect(idOf('put', '/v1/products/{product_id}')).toBe('products.upsert');
    expect(idOf('delete', '/v1/webhook-endpoints/{id}')).toBe('webhookEndpoints.delete');
    expect(idOf('post', '/admin/v1/tenants/{tenant_id}/keys/{key_id}/rotate')).toBe('admin.tenants.keys.rotate');
    expect(idOf('get', '/admin/v1/tenants')).toBe('admin.tenants.list');
    // A route's own schema.operationId wins (the derived one would clash with /v1/flows/{flow_id}/analytics).
    expect(idOf('get', '/v1/flows/analytics')).toBe('flows.analytics.list');
    expect(idOf('get', '/v1/flows/{flow_id}/analytics')).toBe('flows.analytics.get');
    // The older API's paths too.
    expect(idOf('post', '/generate')).toBeTruthy();
  });

  it('declares each operation’s security from its config.auth, a tag, and problem+json errors on one Problem schema', () => {
    const sec = (method: string, path: string) => doc.paths[path]?.[method]?.security;
    expect(sec('post', '/v1/tryons')).toEqual([{ apiKey: [] }]);
    expect(sec('get', '/admin/v1/tenants')).toEqual([{ session: [] }]);
    expect(sec('get', '/v1/bots')).toEqual([{ apiKey: [] }, { session: [] }]);
    expect(sec('get', '/health')).toEqual([]);
    expect(sec('post', '/admin/v1/auth/login')).toEqual([]);
    for (const scheme of ['apiKey', 'session']) expect(doc.components.securitySchemes[scheme]).toBeTruthy();

    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      expect(op.tags?.length, where).toBeGreaterThan(0);
      expect(Array.isArray(op.security), where).toBe(true);
      expect(op.responses['500'], where).toBeTruthy();
      if (op.security!.length) expect(op.responses['401'], where).toBeTruthy();
      if (path.includes('{')) expect(op.responses['404'], where).toBeTruthy();
      for (const [status, res] of Object.entries(op.responses)) {
        if (!/^[45]/.test(status)) continue;
        // The readiness reports answer 503 with which check failed, not an error document.
        if (status === '503' && /\/(ready|health)$/.test(path)) continue;
        expect(Object.keys(res.content ?? {}), `${where} ${status}`).toEqual(['application/problem+json']);
        expect(res.content!['application/problem+json']!.schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/Problem' });
      }
    }
    // Components are named by their schemas' $id (the SDK's types use these names).
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'Tryon', 'Upload', 'WebhookEndpoint']));
    expect(Object.keys(doc.components.schemas).filter((n) => n.startsWith('def-'))).toEqual([]);
  });

  it('completes a route added later: operationId, tag, security, 400/401/404/429/500', () => {
    const op = doc.paths['/v1/test-widgets/{widget_id}/frobnicate']!.post!;
    expect(op.operationId).toBe('testWidgets.frobnicate');
    expect(op.tags).toEqual(['test-widgets']);
    expect(op.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '404', '429', '500']);
  });

  it('documents end users’ routes with their token (Bearer, or beside the key) and keeps unused schemes out', () => {
    const op = doc.paths['/v1/test-profiles/me']!.get!;
    expect(op.operationId).toBe('testProfiles.me.get');
    expect(op.security).toEqual([{ endUser: [] }, { endUser: [], xApiKey: [] }, { apiKey: [], endUserToken: [] }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'endUser', 'endUserToken', 'session', 'xApiKey']);
  });

  it('names the media type of the Server-Sent Events routes', () => {
    const ok = doc.paths['/v1/tryons/{tryon_id}/events']!.get!.responses['200']!;
    expect(Object.keys(ok.content ?? {})).toEqual(['text/event-stream']);
  });

  it('names the configured public URL as its server', () => {
    expect(doc.servers).toEqual([{ url: 'https://tryon.probador.test' }]);
  });
});
