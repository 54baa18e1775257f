/**
 * The try-on providers and the one place that builds them from configuration. Every adapter with
 * a key is built; `local` (offline, free, deterministic) is always there and always last, so a
 * router walking the list in order falls back to it.
 */
import { createFalProvider, type FalOptions } from './fal.js';
import { createFashnProvider, type FashnOptions } from './fashn.js';
import { createGeminiProvider, type GeminiOptions } from './gemini.js';
import { createLocalProvider, type LocalOptions } from './local.js';
import { createReplicateProvider, type ReplicateOptions } from './replicate.js';
import type { FetchLike } from './http.js';
import type { TryonProvider } from './types.js';

export * from './types.js';
export type { FetchLike } from './http.js';
export { createFalProvider, FAL_MODELS, type FalOptions } from './fal.js';
export { createReplicateProvider, type ReplicateOptions } from './replicate.js';
export { REPLICATE_MODELS } from './replicate-models.js';
export { createFashnProvider, FASHN_MODELS, type FashnOptions } from './fashn.js';
export { createGeminiProvider, type GeminiOptions } from './gemini.js';
export { createLocalProvider, type LocalOptions } from './local.js';

/** An adapter's options with the key optional: an entry without a key is skipped. */
type Keyed<T extends { apiKey: string }> = Omit<T, 'apiKey' | 'fetch'> & { apiKey?: string | undefined };

export type ProvidersConfig = {
  fal?: Keyed<FalOptions> | undefined;
  replicate?: Keyed<ReplicateOptions> | undefined;
  fashn?: Keyed<FashnOptions> | undefined;
  gemini?: Keyed<GeminiOptions> | undefined;
  local?: LocalOptions | undefined;
  /** One fetch for every adapter (tests, proxies); the global fetch otherwise. */
  fetch?: FetchLike | undefined;
};

/**
 * Build the adapters that have keys, in the default preference order FASHN, fal, Replicate,
 * Gemini, then `local`. The env wiring (FAL_KEY/FAL_BASE_URL, REPLICATE_API_TOKEN/…,
 * FASHN_API_KEY/…, GEMINI_API_KEY/…) lives in config.ts.
 */
export function createProvidersFromConfig(cfg: ProvidersConfig = {}): TryonProvider[] {
  const out: TryonProvider[] = [];
  const key = (k: string | undefined) => (k && k.trim() ? k.trim() : undefined);
  const f = cfg.fetch;
  const fashn = key(cfg.fashn?.apiKey);
  if (fashn) out.push(createFashnProvider({ ...cfg.fashn, apiKey: fashn, fetch: f }));
  const fal = key(cfg.fal?.apiKey);
  if (fal) out.push(createFalProvider({ ...cfg.fal, apiKey: fal, fetch: f }));
  const replicate = key(cfg.replicate?.apiKey);
  if (replicate) out.push(createReplicateProvider({ ...cfg.replicate, apiKey: replicate, fetch: f }));
  const gemini = key(cfg.gemini?.apiKey);
  if (gemini) out.push(createGeminiProvider({ ...cfg.gemini, apiKey: gemini, fetch: f }));
  out.push(createLocalProvider(cfg.local));
  return out;
}
