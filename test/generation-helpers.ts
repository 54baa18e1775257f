/** Shared pieces of the generation tests: an app whose Gemini and fal adapters talk to local fakes, and waiting for a job. */
import { bearer, createTestApp, type TestApp, type TestEnv } from './harness.js';
import { startFakeGemini, type FakeGemini } from './fakes/gemini.js';
import { startFakeFal, type FakeFal } from './fakes/fal.js';
import { solidPng } from './fakes/images.js';
import { createFalGenerationProvider, createGeminiGenerationProvider } from '../src/modules/generation/index.js';
import type { WebhooksOptions } from '../src/modules/webhooks/index.js';

/** The real app with two generation providers (Gemini first, then fal), each a real adapter against its fake. */
export async function createGenerationTestApp(env: TestEnv = {}, opts: { webhooks?: WebhooksOptions } = {}) {
  const gemini: FakeGemini = await startFakeGemini({ outputImage: await solidPng(64, 48, [30, 60, 200]) });
  const fal: FakeFal = await startFakeFal({ outputImage: await solidPng(40, 40, [220, 120, 10]) });
  const t = await createTestApp({
    env: { PROBADOR_PROVIDER_RETRIES: '1', PROBADOR_LATENCY_BUDGET_MS: '0', ...env },
    build: {
      generation: {
        providers: [
          createGeminiGenerationProvider({ apiKey: gemini.apiKey, baseUrl: gemini.url }),
          createFalGenerationProvider({ apiKey: fal.apiKey, baseUrl: fal.url, pollIntervalMs: 15 }),
        ],
      },
      ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
    },
  });
  return {
    t,
    gemini,
    fal,
    close: async () => {
      await t.close();
      await gemini.close();
      await fal.close();
    },
  };
}

const FINAL = ['succeeded', 'failed', 'canceled', 'expired'];

/** Poll a generation (as tenant A, or with `key`) until `until(status)` holds or `ms` pass; returns the last body. */
export async function waitForGeneration(t: TestApp, id: string, opts: { until?: (s: string) => boolean; ms?: number; key?: string; intervalMs?: number } = {}) {
  const until = opts.until ?? ((s: string) => FINAL.includes(s));
  const end = Date.now() + (opts.ms ?? 20_000);
  for (;;) {
    const body = (await t.app.inject({ method: 'GET', url: `/v1/generations/${id}`, headers: bearer(opts.key ?? t.tenantA.secretKey) })).json();
    if (until(body.status) || Date.now() > end) return body;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}
