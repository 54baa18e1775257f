/** Shared pieces of the try-on tests: the fixture photo, data URLs, an app with fake providers, waiting for a job. */
import { readFileSync } from 'node:fs';
import { bearer, createTestApp, type TestApp, type TestEnv } from './harness.js';
import { startFakeFal, type FakeFal } from './fakes/fal.js';
import { startFakeFashn, type FakeFashn } from './fakes/fashn.js';
import { createFalProvider } from '../src/modules/tryon/providers/fal.js';
import { createFashnProvider } from '../src/modules/tryon/providers/fashn.js';
import { createLocalProvider } from '../src/modules/tryon/providers/local.js';

export const ASTRONAUT = readFileSync(new URL('./fixtures/astronaut.png', import.meta.url));
export const dataUrl = (b: Buffer, type = 'image/png') => `data:${type};base64,${b.toString('base64')}`;

/** The real app with three providers: fal and FASHN (adapters against local fakes) and the local engine. */
export async function createTryonTestApp(env: TestEnv) {
  const fal: FakeFal = await startFakeFal();
  const fashn: FakeFashn = await startFakeFashn();
  const t = await createTestApp({
    env,
    build: {
      tryon: {
        providers: [
          createFalProvider({ apiKey: fal.apiKey, baseUrl: fal.url, pollIntervalMs: 20 }),
          createFashnProvider({ apiKey: fashn.apiKey, baseUrl: fashn.url, pollIntervalMs: 20 }),
          createLocalProvider(),
        ],
      },
    },
  });
  return {
    t,
    fal,
    fashn,
    close: async () => {
      await t.close();
      await fal.close();
      await fashn.close();
    },
  };
}

const FINAL = ['succeeded', 'failed', 'canceled'];

/** Poll a try-on (as tenant A, or with `key`) until `until(status)` holds or `ms` pass; returns the last body. */
export async function waitForTryon(t: TestApp, id: string, opts: { until?: (s: string) => boolean; ms?: number; key?: string } = {}) {
  const until = opts.until ?? ((s: string) => FINAL.includes(s));
  const end = Date.now() + (opts.ms ?? 20_000);
  for (;;) {
    const body = (await t.app.inject({ method: 'GET', url: `/v1/tryons/${id}`, headers: bearer(opts.key ?? t.tenantA.secretKey) })).json();
    if (until(body.status) || Date.now() > end) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
}
