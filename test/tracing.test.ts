/**
 * Tracing (OTEL_EXPORTER_OTLP_ENDPOINT) against a local OTLP/HTTP receiver: one try-on is one
 * trace — the POST /v1/tryons server span, the try-on job (across the queue), the provider call,
 * the webhook delivery job and its POST — continuing the caller's `traceparent`; the trace id is
 * in the answer's `traceparent`, in problem+json and in the log lines written inside the trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { startReceiver } from './fakes/webhook-receiver.js';
import { garmentPng } from './fakes/images.js';
import { ASTRONAUT, dataUrl } from './tryon-helpers.js';

type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: { key: string; value: Record<string, unknown> }[] };
let t: TestApp;
let rx: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({
    env: { PROBADOR_PROVIDER_ORDER: 'local', OTEL_EXPORTER_OTLP_ENDPOINT: `http://${rx.host}` },
    build: { webhooks: { allowPrivateHosts: [rx.host], retryScheduleMs: [50, 50, 50], jitter: 0 } },
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

const spans = (): OtlpSpan[] =>
  rx.at('/v1/traces').flatMap((r) => (JSON.parse(r.body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
const attr = (s: OtlpSpan, key: string) => Object.values(s.attributes.find((a) => a.key === key)?.value ?? {})[0];

describe('tracing', () => {
  it('one try-on is one trace: request → job → provider → webhook delivery, continuing the caller’s traceparent', async () => {
    const secret = (await t.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: bearer(t.tenantA.secretKey), payload: { url: rx.url('/hook'), event_types: ['tryon.succeeded'] } })).json().secret as string;
    expect(secret).toMatch(/^whsec_/);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/tryons',
      headers: { ...bearer(t.tenantA.secretKey), traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      payload: { person: dataUrl(ASTRONAUT), garments: [{ image: dataUrl(await garmentPng()), category: 'tops' }] },
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const end = Date.now() + 30_000;
    const want = (s: OtlpSpan[]) => ['POST /v1/tryons', 'provider local', 'webhook POST'].every((n) => s.some((x) => x.traceId === traceId && x.name === n));
    while (!want(spans()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const mine = spans().filter((s) => s.traceId === traceId);
    const names = mine.map((s) => s.name);
    expect(names).toContain('POST /v1/tryons');
    expect(names.some((n) => n.startsWith('job tryon'))).toBe(true);
    expect(names).toContain('provider local');
    expect(names).toContain('job webhooks.deliver');
    expect(names).toContain('webhook POST');
    const server = mine.find((s) => s.name === 'POST /v1/tryons')!;
    expect(server.parentSpanId).toBe('00f067aa0ba902b7');
    expect(attr(server, 'http.response.status_code')).toBe(202);
    expect(attr(server, 'probador.tenant_id')).toBe(t.tenantA.id);
    // The job's span is a child of the request's; the provider call and delivery descend from it.
    const job = mine.find((s) => s.name.startsWith('job tryon'))!;
    expect(job.parentSpanId).toBe(server.spanId);
    const byId = new Map(mine.map((s) => [s.spanId, s]));
    const ancestors = (s: OtlpSpan) => {
      const out: string[] = [];
      for (let p = s.parentSpanId && byId.get(s.parentSpanId); p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) out.push(p.name);
      return out;
    };
    expect(ancestors(mine.find((s) => s.name === 'provider local')!)).toContain(job.name);
    expect(ancestors(mine.find((s) => s.name === 'webhook POST')!)).toEqual(expect.arrayContaining(['job webhooks.deliver', 'POST /v1/tryons']));
    // The delivered webhook is the store's: no trace context is added to its payload.
    expect(rx.at('/hook')[0]!.body).not.toContain('_trace');
    // Log lines written inside the trace name it.
    expect(t.logs.some((l) => l.includes(`"trace_id":"${traceId}"`))).toBe(true);
  }, 60_000);

  it('a problem+json answer names its trace', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/tryons/try_doesnotexist', headers: bearer(t.tenantA.secretKey) });
    expect(res.statusCode).toBe(404);
    const traceId = res.json().trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.traceparent).toContain(traceId);
  });
});
