/** Without OTEL_EXPORTER_OTLP_ENDPOINT nothing of tracing shows: no traceparent answered, no trace_id in problem+json or logs, no trace context in job payloads. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.js';
import { tracingOn, withTraceContext } from '../src/platform/observability/tracing.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

it('is off unless configured', async () => {
  expect(tracingOn()).toBe(false);
  const res = await t.app.inject({ method: 'GET', url: '/v1/tryons/try_doesnotexist', headers: { ...bearer(t.tenantA.secretKey), traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
  expect(res.statusCode).toBe(404);
  expect(res.headers.traceparent).toBeUndefined();
  expect(res.json()).not.toHaveProperty('trace_id');
  expect(t.logs.some((l) => l.includes('trace_id'))).toBe(false);
  const payload = { id: 'x' };
  expect(withTraceContext(payload)).toBe(payload);
});
