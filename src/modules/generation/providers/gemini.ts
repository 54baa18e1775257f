/**
 * Gemini image generation ("Nano Banana" models) for prompts: `generateContent` with the prompt as
 * the first text part and the reference images as inline parts (platform/providers/gemini-api.ts:
 * request shape, refusals → content_policy, error mapping, health). The size becomes the nearest
 * supported `imageConfig.aspectRatio`; models of the Gemini 3 family also take `imageSize`
 * (1K, 2K, 4K), chosen from the larger side asked for. Synchronous; an abort drops the request.
 *
 *   gemini-2.5-flash-image      Nano Banana       ≈ $0.039 per image (1290 output tokens at $30/M), ~1024 px
 *   gemini-3-pro-image-preview  Nano Banana Pro   ≈ $0.134 per 1K/2K image, $0.24 per 4K image
 */
import type { GenerateOptions } from '../../../platform/providers/types.js';
import { jobError, trimBase, withDeadline, type FetchLike, type HttpContext } from '../../../platform/providers/http.js';
import { generateImage, geminiHealth, inlinePart, nearestAspectRatio, type GeminiApi } from '../../../platform/providers/gemini-api.js';
import type { GenerationInput, GenerationOutput, GenerationProvider } from './types.js';

export type GeminiGenerationOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  /** Default model (PROBADOR_GENERATION_GEMINI_MODEL). */
  model?: string | undefined;
  timeoutMs?: number | undefined;
};

type GeminiModel = { priceUsd: (size: string | undefined) => number; imageSize: boolean };

export const GEMINI_GENERATION_MODELS: Record<string, GeminiModel> = {
  'gemini-2.5-flash-image': { priceUsd: () => 0.039, imageSize: false },
  'gemini-3-pro-image-preview': { priceUsd: (size) => (size === '4K' ? 0.24 : 0.134), imageSize: true },
};
const MAX_REFERENCES = 3;

/** `imageSize` for the larger side asked for: 1K up to 1024 px, 2K up to 2048, else 4K. */
export function imageSizeFor(width: number, height: number): '1K' | '2K' | '4K' {
  const side = Math.max(width, height);
  return side <= 1024 ? '1K' : side <= 2048 ? '2K' : '4K';
}

export function createGeminiGenerationProvider(opts: GeminiGenerationOptions): GenerationProvider {
  const base = trimBase(opts.baseUrl ?? 'https://generativelanguage.googleapis.com');
  const ctx: HttpContext = { provider: 'gemini', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = opts.model ?? 'gemini-2.5-flash-image';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const api: GeminiApi = { ctx, base, apiKey: opts.apiKey };
  // A configured default outside the table is taken as a 2.5-class model (no imageSize, its price).
  const modelInfo = (m: string): GeminiModel => GEMINI_GENERATION_MODELS[m] ?? { priceUsd: () => 0.039, imageSize: /^gemini-3/.test(m) };
  const sizeOf = (input: GenerationInput, m: GeminiModel) => (m.imageSize ? imageSizeFor(input.width, input.height) : undefined);

  async function generate(input: GenerationInput, { signal: outer, onProgress }: GenerateOptions): Promise<GenerationOutput> {
    const model = input.model ?? defaultModel;
    if (input.references.length > MAX_REFERENCES) throw jobError(ctx, 'bad_input', `Gemini takes at most ${MAX_REFERENCES} reference images per call (got ${input.references.length})`);
    const info = modelInfo(model);
    const imageSize = sizeOf(input, info);
    const signal = withDeadline(outer, timeoutMs);
    const img = await generateImage(
      api,
      model,
      [{ text: input.prompt }, ...input.references.map(inlinePart)],
      {
        imageConfig: { aspectRatio: nearestAspectRatio(input.width, input.height), ...(imageSize ? { imageSize } : {}) },
        ...(input.seed === undefined ? {} : { seed: input.seed }),
      },
      signal,
      onProgress,
    );
    return {
      image: img.bytes,
      contentType: img.contentType,
      model: img.model,
      providerRequestId: img.responseId,
      costUsd: info.priceUsd(imageSize),
      meta: { finishReason: img.finishReason, ...(img.usage ?? {}), ...(img.text ? { text: img.text.slice(0, 500) } : {}) },
    };
  }

  return {
    name: 'gemini',
    models: [defaultModel, ...Object.keys(GEMINI_GENERATION_MODELS).filter((m) => m !== defaultModel)],
    knowsModel: (m) => m === defaultModel || m in GEMINI_GENERATION_MODELS,
    maxReferenceImages: () => MAX_REFERENCES,
    generate,
    health: (signal) => geminiHealth(api, defaultModel, signal),
    estimateCostUsd: (input) => {
      const info = modelInfo(input.model ?? defaultModel);
      return info.priceUsd(sizeOf(input, info));
    },
  };
}
