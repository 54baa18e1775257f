/**
 * Error tracking (SENTRY_DSN) against a local server that receives Sentry envelopes as a
 * Sentry-compatible service does (POST /api/<project>/envelope/): a 5xx is reported with its
 * request id, tenant id, route, status, release and environment, and nothing secret or personal —
 * keys, tokens, e-mail addresses, phone numbers, image bytes — nor the request itself; a 4xx is
 * not reported; a job that fails for good on an unexpected error is, one declared permanent is
 * not. Without a DSN nothing is loaded or sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, bearer, type TestApp } from './harness.js';
import { bullJobQueue } from '../src/platform/jobs/bullmq-queue.js';
import { dbJobQueue } from '../src/platform/jobs/db-queue.js';
import { defineJob, PermanentJobError, type JobQueue } from '../src/platform/jobs/types.js';
import { scrub } from '../src/platform/observability/error-reports.js';
import { version } from '../src/version.js';

type Envelope = { header: Record<string, unknown>; items: { type: string; payload: Record<string, unknown> }[]; raw: string };
let server: Server;
let dsn: string;
const envelopes: Envelope[] = [];
let t: TestApp;
let q: JobQueue;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.method === 'POST' && /^\/api\/7\/envelope\/?/.test(req.url ?? '')) {
        const raw = body.toString('utf8');
        const lines = raw.split('\n').filter(Boolean);
        const items: Envelope['items'] = [];
        for (let i = 1; i + 1 < lines.length; i += 2) items.push({ type: (JSON.parse(lines[i]!) as { type: string }).type, payload: JSON.parse(lines[i + 1]!) });
        envelopes.push({ header: JSON.parse(lines[0]!), items, raw });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  dsn = `http://abcdef0123456789@127.0.0.1:${(server.address() as AddressInfo).port}/7`;
  t = await createTestApp({
    env: { SENTRY_DSN: dsn, SENTRY_ENVIRONMENT: 'ci' },
    extraModules: (app) => {
      app.get('/v1/test/boom', { config: { auth: 'secret' } }, async () => {
        throw new Error(`db exploded for ana.garcia@example.com (+34 612 345 678) with sk_test_abcdefghijklmnop, Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl and data:image/jpeg;base64,${'QUFB'.repeat(80)}`);
      });
    },
  });
  q = t.deps.redis
    ? bullJobQueue({ redis: t.deps.redis, prefix: `${t.config.redis!.prefix}errors-test:`, log: t.deps.log, stalledIntervalMs: 1000, report: t.deps.errors.capture })
    : dbJobQueue({ db: t.deps.db, clock: { now: () => Date.now() }, log: t.deps.log, singleProcess: true, pollMs: 50, report: t.deps.errors.capture });
  q.register(defineJob<{ n: number }>({ name: 'test.broken', attempts: 1, timeoutMs: 5000, handler: async () => { throw new TypeError('cannot read properties of undefined (reading "id") for rk_live_zzzzzzzzzzzz'); } }) as never);
  q.register(defineJob<{ n: number }>({ name: 'test.refused', attempts: 1, timeoutMs: 5000, handler: async () => { throw new PermanentJobError('the row is gone'); } }) as never);
  await q.startWorker();
}, 120_000);
afterAll(async () => {
  await q?.close();
  await t?.close();
  await new Promise<void>((r) => server?.close(() => r()));
});

const events = () => envelopes.flatMap((e) => e.items.filter((i) => i.type === 'event').map((i) => ({ event: i.payload as { exception: { values: { type: string; value: string }[] }; tags: Record<string, string>; release: string; environment: string; request?: unknown; user?: unknown }, raw: e.raw })));
async function until<T>(f: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('error tracking', () => {
  it('reports a 5xx with its request id, tenant, route, status, release and environment; nothing secret, personal or the request itself', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/test/boom', headers: { ...bearer(t.tenantA.secretKey), cookie: 'session=s3cr3t', 'x-forwarded-for': '203.0.113.9' } });
    expect(res.statusCode).toBe(500);
    const requestId = res.headers['request-id'] as string;
    await t.deps.errors.flush(5000);
    const { event, raw } = await until(() => events().find((e) => e.event.tags?.request_id === requestId), 'the 5xx envelope');
    expect(event.tags).toMatchObject({ request_id: requestId, tenant_id: t.tenantA.id, method: 'GET', route: '/v1/test/boom', status: '500' });
    expect(event.release).toBe(`probador@${version}`);
    expect(event.environment).toBe('ci');
    expect(event.exception.values.at(-1)!.type).toBe('Error');
    expect(event.exception.values.at(-1)!.value).toContain('db exploded for [email redacted]');
    expect(event.request).toBeUndefined();
    expect(event.user).toBeUndefined();
    for (const secret of ['ana.garcia', '612 345', 'sk_test_abcdefghijklmnop', 'eyJhbGciOiJIUzI1NiJ9', 'QUFBQUFB', 's3cr3t', '203.0.113.9', t.tenantA.secretKey]) expect(raw).not.toContain(secret);
  });

  it('does not report a client error (4xx)', async () => {
    const before = events().length;
    const res = await t.app.inject({ method: 'GET', url: '/v1/tryons/not-an-id', headers: bearer(t.tenantA.secretKey) });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect((await t.app.inject({ method: 'GET', url: '/v1/no-such-route' })).statusCode).toBe(404);
    await t.deps.errors.flush(5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(events().length).toBe(before);
  });

  it('reports a job that failed for good on an unexpected error, not one it declared permanent', async () => {
    const refused = await q.enqueue('test.refused', { n: 1 });
    const broken = await q.enqueue('test.broken', { n: 2 });
    const { event, raw } = await until(() => events().find((e) => e.event.tags?.job_id === broken), 'the job envelope', 20_000);
    expect(event.tags).toMatchObject({ job: 'test.broken', job_id: broken });
    expect(event.exception.values.at(-1)!.type).toBe('TypeError');
    expect(raw).not.toContain('rk_live_zzzzzzzzzzzz');
    // The permanent one ran first; nothing was reported for it.
    await t.deps.errors.flush(5000);
    expect(events().some((e) => e.event.tags?.job_id === refused)).toBe(false);
  });

  it('is off without a DSN (a no-op reporter)', async () => {
    const other = await createTestApp({ seed: false });
    try {
      expect(other.deps.errors.enabled).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('scrubs keys, tokens, credentials in URLs, e-mail addresses, phone numbers and image bytes from any text', () => {
    const s = scrub('postgres://probador:hunter2@db:5432/x whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw token=abc123def password: "pw" +1 (415) 555-0100 bob@x.io');
    expect(s).toBe('postgres://probador:[redacted]@db:5432/x whsec_[redacted] token=[redacted] password: "[redacted]" [number redacted] [email redacted]');
  });
});
