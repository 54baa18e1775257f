import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvidersFromConfig } from './index.js';
import { startFakeFal, type FakeFal } from '../../../../test/fakes/fal.js';
import { startFakeGemini, type FakeGemini } from '../../../../test/fakes/gemini.js';
import { tryonInput } from '../../../../test/fakes/images.js';

let fal: FakeFal;
let gemini: FakeGemini;
beforeAll(async () => {
  [fal, gemini] = await Promise.all([startFakeFal(), startFakeGemini()]);
});
afterAll(async () => {
  await Promise.all([fal.close(), gemini.close()]);
});

describe('createProvidersFromConfig', () => {
  it('with no keys there is only the local provider', () => {
    expect(createProvidersFromConfig().map((p) => p.name)).toEqual(['local']);
    expect(createProvidersFromConfig({ fal: { apiKey: '' }, fashn: { apiKey: '  ' }, gemini: {} }).map((p) => p.name)).toEqual(['local']);
  });

  it('builds every adapter that has a key, in preference order, local last', () => {
    const names = createProvidersFromConfig({
      fal: { apiKey: 'k1' }, replicate: { apiKey: 'k2' }, fashn: { apiKey: 'k3' }, gemini: { apiKey: 'k4' },
    }).map((p) => p.name);
    expect(names).toEqual(['fashn', 'fal', 'replicate', 'gemini', 'local']);
  });

  it('passes base URLs and options through to working adapters', async () => {
    const providers = createProvidersFromConfig({
      fal: { apiKey: fal.apiKey, baseUrl: fal.url, pollIntervalMs: 10 },
      gemini: { apiKey: gemini.apiKey, baseUrl: gemini.url },
    });
    const input = await tryonInput();
    for (const p of providers) {
      const out = await p.generate(input, { signal: AbortSignal.timeout(10_000) });
      expect(out.image.length).toBeGreaterThan(0);
      expect((await p.health(AbortSignal.timeout(5000))).ok).toBe(true);
    }
    expect(fal.calls('POST', '/fal-ai/fashn/tryon/v1.6')).toHaveLength(1);
    expect(gemini.calls('POST', /:generateContent$/)).toHaveLength(1);
  });
});
