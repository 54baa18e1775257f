/**
 * Load shedding: when the event loop lags past PROBADOR_MAX_EVENT_LOOP_DELAY_MS, requests get
 * 503 OVERLOADED (problem+json, Retry-After) without running, and `probador_load_shed_total`
 * counts them; once the loop recovers, requests succeed again.
 *
 * @fastify/under-pressure samples every `sampleInterval` (default 1000 ms) and compares the MEAN
 * event-loop delay of the interval (minus its 10 ms resolution) with the limit. One long block
 * records a single large sample among ~100 normal ones, so its mean stays small; a sustained
 * overload is a run of blocks. So the loop is kept busy in 100 ms synchronous slices for a little
 * over two sample intervals: every sample of the last full interval is ~100 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { bearer, createTestApp, problem, type TestApp } from '../../../test/harness.js';

const SAMPLE_INTERVAL_MS = 1_000; // @fastify/under-pressure's default (app.ts sets none)

let t: TestApp;
let key: string;
beforeAll(async () => {
  // Not seeded over HTTP: opening the database and hashing the operator's password lag the loop
  // past 50 ms themselves, so the harness's sign-in would be shed. Wait for calm, then seed directly.
  t = await createTestApp({ env: { PROBADOR_MAX_EVENT_LOOP_DELAY_MS: '50' }, seed: false });
  await untilServed(() => t.app.inject({ method: 'GET', url: '/ready' }));
  const tenant = await t.modules.tenants.tenants.createTenant({ name: 'Busy store', tier: 'basic' });
  key = (await t.modules.tenants.tenants.createKey(tenant.id, { kind: 'secret', environment: 'live' })).key;
}, 60_000);
afterAll(async () => t?.close());


function busy(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin */
  }
}

/** Keep the event loop lagging: `ms` of 100 ms synchronous slices with a turn of the loop between them. */
async function overload(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    busy(100);
    await new Promise((r) => setImmediate(r));
  }
}

async function shedCount(): Promise<number> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  const m = /^probador_load_shed_total (\d+)$/m.exec(res.body);
  expect(m, 'probador_load_shed_total is exported').not.toBeNull();
  return Number(m![1]);
}

const me = () => t.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });

/**
 * Repeat a request until it is not shed; returns the last answer. A calm loop is seen within a
 * sample interval or two, but other test processes on a busy machine can keep the lag above 50 ms
 * for longer, hence the generous deadline.
 */
async function untilServed(send: () => Promise<LightMyRequestResponse>) {
  const deadline = Date.now() + 20 * SAMPLE_INTERVAL_MS;
  let res = await send();
  while (res.statusCode === 503 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    res = await send();
  }
  return res;
}

describe('errors', () => {
  it('an overloaded event loop sheds requests with 503 OVERLOADED, then recovers', { timeout: 60_000 }, async () => {
    expect((await untilServed(me)).statusCode).toBe(200);
    const before = await shedCount();
    const logsBefore = t.logs.length;

    await overload(2 * SAMPLE_INTERVAL_MS + 300);
    const shed = await me();
    const body = problem(shed, 503, 'OVERLOADED');
    expect(body.detail).toBe('The server is busy; retry in a few seconds.');
    expect(shed.headers['retry-after']).toBe('5');
    // Shed before authentication and rate limiting: the request did no work.
    expect(shed.headers['ratelimit-limit']).toBeUndefined();
    // Readiness is shed too (the node leaves the load balancer's rotation) …
    problem(await t.app.inject({ method: 'GET', url: '/ready' }), 503, 'OVERLOADED');
    // … but liveness is not (a busy process is not a dead one), nor metrics (how the overload is seen).
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);

    // Exactly one answer: nothing tried to send a second one.
    const during = t.logs.slice(logsBefore).join('');
    expect(during).not.toContain('Reply was already sent');
    expect(during).not.toContain('FST_ERR_REP_ALREADY_SENT');

    // The loop is idle again: after a sample interval or two (more on a busy machine) requests are served.
    const res = await untilServed(me);
    expect(res.statusCode, res.body).toBe(200);
    const shedTotal = (await shedCount()) - before;
    expect(shedTotal).toBeGreaterThanOrEqual(2); // /v1/me and /ready above
  });

  // Known bug (app.ts): the pressureHandler sends the 503 but returns undefined, so
  // @fastify/under-pressure calls next() and the request carries on through authentication, rate
  // limiting and the handler while the 503 is still being written. A request that fails fast
  // (no key: 401) then overwrites the status: the client gets a 401 carrying the OVERLOADED body.
  // Fix: `pressureHandler: async (req, reply) => { metrics.loadShed.inc(); await sendProblem(…); }`
  // (awaiting the reply waits until it is written; the next hook then sees reply.sent and stops).
  // Flip to `it` once fixed.
  it('a shed request runs nothing else: an anonymous one is 503, not the 401 authentication would give', { timeout: 60_000 }, async () => {
    await untilServed(me);
    await overload(2 * SAMPLE_INTERVAL_MS + 300);
    const res = await t.app.inject({ method: 'GET', url: '/v1/me' });
    problem(res, 503, 'OVERLOADED');
    await untilServed(me);
  });
});
