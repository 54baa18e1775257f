/**
 * Gemini image generation as a try-on ("Nano Banana", gemini-2.5-flash-image): the person and the
 * garments go inline with a try-on prompt through platform/providers/gemini-api.ts (request shape,
 * refusals, error mapping, health). The model works best with ≤ 3 input images, so one call
 * dresses at most 2 garments. No cancel endpoint: an abort drops the request.
 */
import type { GarmentCategory, GenerateOptions, TryonInput, TryonOutput, TryonProvider } from './types.js';
import { jobError, trimBase, withDeadline, type FetchLike, type HttpContext } from '../../../platform/providers/http.js';
import { generateImage, geminiHealth, inlinePart, nearestAspectRatio, type GeminiApi } from '../../../platform/providers/gemini-api.js';

export { nearestAspectRatio };

export type GeminiOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  model?: string | undefined;
  timeoutMs?: number | undefined;
  /** USD per generated image; default 0.039 (1290 output tokens at $30 per million). */
  imagePriceUsd?: number | undefined;
};

const GARMENT_WORDS: Record<GarmentCategory, string> = {
  tops: 'a top (upper-body garment)',
  bottoms: 'a bottom (trousers, shorts or skirt)',
  'one-pieces': 'a one-piece (dress or jumpsuit)',
  auto: 'a garment',
};

export function tryonPrompt(input: TryonInput): string {
  const garments = input.garments.map((g, i) => `Image ${i + 2} shows ${GARMENT_WORDS[g.category]}.`).join(' ');
  const detail = input.mode === 'quality' ? ' Render fabric texture, folds, prints and logos faithfully.' : '';
  return [
    'Virtual try-on. Image 1 is a photo of a person.',
    garments,
    `Produce one photorealistic photo of the same person from image 1 wearing ${input.garments.length > 1 ? 'these garments' : 'this garment'}, replacing what they wear in that area.`,
    'Keep the face, identity, skin tone, hair, body shape and proportions, pose, background and lighting exactly as in image 1; do not slim or reshape the body; do not add accessories.',
    `Keep the garment's colour, pattern and cut.${detail} Return only the image.`,
  ].join(' ');
}

export function createGeminiProvider(opts: GeminiOptions): TryonProvider {
  const base = trimBase(opts.baseUrl ?? 'https://generativelanguage.googleapis.com');
  const ctx: HttpContext = { provider: 'gemini', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = opts.model ?? 'gemini-2.5-flash-image';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const price = opts.imagePriceUsd ?? 0.039;
  const api: GeminiApi = { ctx, base, apiKey: opts.apiKey };

  async function generate(input: TryonInput, { signal: outer, onProgress }: GenerateOptions): Promise<TryonOutput> {
    const model = input.model ?? defaultModel;
    if (input.garments.length < 1 || input.garments.length > 2) throw jobError(ctx, 'bad_input', `Gemini takes 1 or 2 garments per call (got ${input.garments.length})`);
    const signal = withDeadline(outer, timeoutMs);
    const img = await generateImage(
      api,
      model,
      [{ text: tryonPrompt(input) }, inlinePart(input.person), ...input.garments.map(inlinePart)],
      { imageConfig: { aspectRatio: nearestAspectRatio(input.person.width, input.person.height) }, ...(input.seed === undefined ? {} : { seed: input.seed }) },
      signal,
      onProgress,
    );
    return {
      image: img.bytes,
      contentType: img.contentType,
      model: img.model,
      providerRequestId: img.responseId,
      costUsd: price,
      meta: { finishReason: img.finishReason, ...(img.usage ?? {}) },
    };
  }

  /** Health: `GET /v1beta/models/{model}` (authenticated metadata read; free). */
  const health = (signal: AbortSignal) => geminiHealth(api, defaultModel, signal);

  return {
    name: 'gemini',
    models: [defaultModel],
    maxGarmentsPerCall: 2,
    categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
    generate,
    health,
    estimateCostUsd: () => price,
  };
}
