/**
 * Provider routing through the real pipeline: fallback, hedging past the latency budget, the
 * circuit breaker, cancellation and the SSE stream — real adapters against fake provider servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, problem, type TestApp } from '../../../test/harness.js';
import type { FakeFal } from '../../../test/fakes/fal.js';
import type { FakeFashn } from '../../../test/fakes/fashn.js';
import { garmentPng } from '../../../test/fakes/images.js';
import { ASTRONAUT, createTryonTestApp, dataUrl, waitForTryon } from '../../../test/tryon-helpers.js';

let t: TestApp;
let fal: FakeFal;
let fashn: FakeFashn;
let close: () => Promise<void>;
let person: string;

beforeAll(async () => {
  ({ t, fal, fashn, close } = await createTryonTestApp({ PROBADOR_LATENCY_BUDGET_MS: '0', PROBADOR_PROVIDER_RETRIES: '1', PROBADOR_PROVIDER_TIMEOUT_MS: '5000' }));
  // One stored photo, reused (a different garment colour per test keeps the cache out of the way).
  const up = await t.app.inject({ method: 'POST', url: '/v1/uploads', headers: bearer(t.tenantA.secretKey), payload: { data_url: dataUrl(ASTRONAUT) } });
  person = up.json().id;
  await setTryonSettings({ providers: ['fal', 'fashn'] });
});
afterAll(async () => close?.());

async function setTryonSettings(tryon: Record<string, unknown>) {
  const res = await t.app.inject({ method: 'PATCH', url: `/admin/v1/tenants/${t.tenantA.id}`, headers: t.operatorAuth, payload: { settings: { tryon } } });
  expect(res.statusCode, res.body).toBe(200);
}
let colour = 0;
const uniqueGarment = async () => dataUrl(await garmentPng(`rgb(${(colour += 17) % 255},80,80)`));
const create = async (extra: Record<string, unknown> = {}) => {
  const res = await t.app.inject({ method: 'POST', url: '/v1/tryons', headers: bearer(t.tenantA.secretKey), payload: { person, garments: [{ image: await uniqueGarment(), category: 'tops' }], ...extra } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().id as string;
};
const waitFor = (id: string, until?: (s: string) => boolean) => waitForTryon(t, id, { ...(until ? { until } : {}) });

describe('routing', () => {
  it('falls back to the next provider when the first one fails', async () => {
    fal.scenario({ kind: 'server_error', status: 500 });
    fal.scenario({ kind: 'server_error', status: 500 });
    const done = await waitFor(await create());
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(done.provider).toBe('fashn');
    const outcomes = done.attempts.map((a: { provider: string; outcome: string }) => `${a.provider}:${a.outcome}`);
    expect(outcomes[0]).toBe('fal:failed');
    expect(outcomes.at(-1)).toBe('fashn:succeeded');
  });

  it('an input refused by the provider fails at once, without trying others', async () => {
    fashn.scenario({ kind: 'provider_error', code: 'PoseError', message: 'no pose found' });
    await setTryonSettings({ providers: ['fashn', 'fal'] });
    const done = await waitFor(await create());
    await setTryonSettings({ providers: ['fal', 'fashn'] });
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe('INPUT_REFUSED');
    expect(done.attempts.map((a: { provider: string }) => a.provider)).toEqual(['fashn']);
  });

  it('hedges to the next provider past the latency budget, and cancels the slow one', async () => {
    await setTryonSettings({ providers: ['fal', 'fashn'], latency_budget_ms: 300 });
    fal.scenario({ kind: 'slow' });
    const done = await waitFor(await create());
    await setTryonSettings({ providers: ['fal', 'fashn'] });
    expect(done.status).toBe('succeeded');
    expect(done.provider).toBe('fashn');
    const fashnAttempt = done.attempts.find((a: { provider: string }) => a.provider === 'fashn');
    expect(fashnAttempt.hedged).toBe(true);
    expect(done.attempts.find((a: { provider: string }) => a.provider === 'fal').outcome).toBe('canceled');
    await new Promise((r) => setTimeout(r, 200));
    expect(fal.calls('PUT', /\/cancel$/).length).toBeGreaterThan(0);
  });

  it('cancels a running try-on: the provider request is canceled too', async () => {
    fal.scenario({ kind: 'slow' });
    const submitsBefore = fal.calls('POST', /fashn\/tryon/).length;
    const id = await create();
    const end = Date.now() + 10_000;
    while (fal.calls('POST', /fashn\/tryon/).length === submitsBefore && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const cancelsBefore = fal.calls('PUT', /\/cancel$/).length;
    const res = await t.app.inject({ method: 'POST', url: `/v1/tryons/${id}/cancel`, headers: bearer(t.tenantA.secretKey) });
    expect(res.statusCode, res.body).toBe(200);
    const done = await waitFor(id);
    expect(done.status).toBe('canceled');
    await new Promise((r) => setTimeout(r, 200));
    expect(fal.calls('PUT', /\/cancel$/).length).toBeGreaterThan(cancelsBefore);
    problem(await t.app.inject({ method: 'POST', url: `/v1/tryons/${id}/cancel`, headers: bearer(t.tenantA.secretKey) }), 409, 'TRYON_NOT_CANCELABLE');
  });

  it('streams the whole status sequence over SSE, with the provider queue position', async () => {
    fal.scenario({ kind: 'queued', positions: [3, 2, 1] });
    const id = await create();
    const res = await t.app.inject({ method: 'GET', url: `/v1/tryons/${id}/events`, headers: bearer(t.tenantA.secretKey) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = res.body
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => ({ event: /event: (\w+)/.exec(b)![1], data: JSON.parse(/data: (.*)/.exec(b)![1]!) }));
    const statuses = events.filter((e) => e.event === 'status').map((e) => e.data.status);
    expect(statuses.at(-1)).toBe('succeeded');
    expect(statuses).toContain('processing');
    const positions = events.filter((e) => e.data.stage === 'provider_queued').map((e) => e.data.queue_position);
    expect(positions).toEqual([3, 2, 1]);
    const final = events.at(-1)!;
    expect(final.event).toBe('tryon');
    expect(final.data.status).toBe('succeeded');
    expect(final.data.result.url).toContain('/v1/files/');
  });
});

describe('circuit breaker', () => {
  it('opens after repeated failures: the provider is skipped until it half-opens', async () => {
    for (let i = 0; i < 6; i++) fal.scenario({ kind: 'server_error', status: 503 });
    // Each try-on costs fal two failing calls (1 retry); three try-ons open the breaker at five.
    for (let i = 0; i < 3; i++) expect((await waitFor(await create())).provider).toBe('fashn');
    expect(t.modules.tryon.router.breakerState('fal')).toBe('open');
    const submitsBefore = fal.calls('POST', /fashn\/tryon/).length;
    const done = await waitFor(await create());
    expect(done.provider).toBe('fashn');
    expect(done.attempts[0]).toMatchObject({ provider: 'fal', outcome: 'skipped', error_class: 'circuit_open' });
    expect(fal.calls('POST', /fashn\/tryon/).length).toBe(submitsBefore);
  });
});
