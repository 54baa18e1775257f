/**
 * The generation providers and the one place that builds them from configuration: every adapter
 * with a key (GEMINI_API_KEY, FAL_KEY, shared with the try-on adapters). No key, no provider:
 * there is no local engine for generation, so with none configured a request is refused with a
 * problem naming the settings (service.ts), never answered with a placeholder.
 */
import type { Config } from '../../../config.js';
import type { FetchLike } from '../../../platform/providers/http.js';
import { createFalGenerationProvider } from './fal.js';
import { createGeminiGenerationProvider } from './gemini.js';
import type { GenerationProvider } from './types.js';

export * from './types.js';
export { createFalGenerationProvider, FAL_GENERATION_MODELS, falFamilyOf, type FalGenerationOptions } from './fal.js';
export { createGeminiGenerationProvider, GEMINI_GENERATION_MODELS, type GeminiGenerationOptions } from './gemini.js';

export function createGenerationProvidersFromConfig(config: Pick<Config, 'providers' | 'generation' | 'tryon'>, fetch?: FetchLike): GenerationProvider[] {
  const out: GenerationProvider[] = [];
  const { gemini, fal } = config.providers;
  const timeoutMs = config.tryon.providerTimeoutMs;
  if (gemini?.apiKey.trim()) out.push(createGeminiGenerationProvider({ apiKey: gemini.apiKey.trim(), baseUrl: gemini.baseUrl, model: config.generation.geminiModel, timeoutMs, fetch }));
  if (fal?.apiKey.trim()) out.push(createFalGenerationProvider({ apiKey: fal.apiKey.trim(), baseUrl: fal.baseUrl, model: config.generation.falModel, timeoutMs, fetch }));
  return out;
}
