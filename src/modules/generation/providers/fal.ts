/**
 * fal image generation through the queue API (platform/providers/fal-queue.ts: submit → status
 * with queue position → result, cancel upstream on abort). A model here is a family: its
 * text-to-image endpoint without reference images, its image-to-image endpoint with them.
 *
 *   fal-ai/nano-banana  (Gemini 2.5 Flash Image on fal, $0.039 per image)
 *     text:  POST fal-ai/nano-banana       {prompt, num_images, aspect_ratio, output_format, seed?}
 *     refs:  POST fal-ai/nano-banana/edit  + image_urls: [url | data URI, …]
 *     aspect_ratio: the nearest of 21:9 16:9 3:2 4:3 5:4 1:1 4:5 3:4 2:3 9:16
 *   fal-ai/flux/dev  (FLUX.1 [dev], $0.025 per megapixel)
 *     text:  POST fal-ai/flux/dev                 {prompt, image_size: {width, height}, num_images, enable_safety_checker, output_format, seed?}
 *     ref:   POST fal-ai/flux/dev/image-to-image  {prompt, image_url, strength, …} (one reference; the output keeps its size)
 *   output (both): {images: [{url, content_type, width, height}], …}; flux adds has_nsfw_concepts
 *   (a flagged image comes back blacked out: a content_policy refusal here).
 */
import type { GenerateOptions } from '../../../platform/providers/types.js';
import { downloadImage, imageRef, isRecord, jobError, trimBase, withDeadline, type FetchLike, type HttpContext } from '../../../platform/providers/http.js';
import { falHealth, falImageUrl, runFalQueue, type FalQueueOptions } from '../../../platform/providers/fal-queue.js';
import { nearestAspectRatio } from '../../../platform/providers/gemini-api.js';
import type { GenerationInput, GenerationOutput, GenerationProvider } from './types.js';

export type FalGenerationOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  /** Default model family (PROBADOR_GENERATION_FAL_MODEL). */
  model?: string | undefined;
  pollIntervalMs?: number | undefined;
  timeoutMs?: number | undefined;
  startTimeoutSeconds?: number | undefined;
  cancelTimeoutMs?: number | undefined;
  downloadMaxBytes?: number | undefined;
};

type FalGenerationModel = {
  maxReferences: number;
  endpoint: (input: GenerationInput) => string;
  input: (input: GenerationInput) => Record<string, unknown>;
  priceUsd: (input: GenerationInput) => number;
};

const NANO_BANANA_RATIOS = ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16'] as const;
const seedOf = (i: GenerationInput) => (i.seed === undefined ? {} : { seed: i.seed });

export const FAL_GENERATION_MODELS: Record<string, FalGenerationModel> = {
  'fal-ai/nano-banana': {
    maxReferences: 3,
    endpoint: (i) => (i.references.length > 0 ? 'fal-ai/nano-banana/edit' : 'fal-ai/nano-banana'),
    input: (i) => ({
      prompt: i.prompt,
      num_images: 1,
      aspect_ratio: nearestAspectRatio(i.width, i.height, NANO_BANANA_RATIOS),
      output_format: 'png',
      ...seedOf(i),
      ...(i.references.length > 0 ? { image_urls: i.references.map(imageRef) } : {}),
    }),
    priceUsd: () => 0.039,
  },
  'fal-ai/flux/dev': {
    maxReferences: 1,
    endpoint: (i) => (i.references.length > 0 ? 'fal-ai/flux/dev/image-to-image' : 'fal-ai/flux/dev'),
    input: (i) => ({
      prompt: i.prompt,
      num_images: 1,
      enable_safety_checker: true,
      output_format: 'png',
      ...seedOf(i),
      ...(i.references.length > 0 ? { image_url: imageRef(i.references[0]!), strength: 0.95 } : { image_size: { width: i.width, height: i.height } }),
    }),
    // Billed per megapixel of output, rounded up; an image-to-image output has its reference's size.
    priceUsd: (i) => 0.025 * Math.max(1, Math.ceil(((i.references[0]?.width ?? i.width) * (i.references[0]?.height ?? i.height)) / 1_000_000)),
  },
};

/** The family a model id belongs to: a family id, or one of its endpoints (`…/edit`, `…/image-to-image`). */
export function falFamilyOf(model: string): string | undefined {
  if (FAL_GENERATION_MODELS[model]) return model;
  const stripped = model.replace(/\/(edit|image-to-image)$/, '');
  return FAL_GENERATION_MODELS[stripped] ? stripped : undefined;
}

export function createFalGenerationProvider(opts: FalGenerationOptions): GenerationProvider {
  const base = trimBase(opts.baseUrl ?? 'https://queue.fal.run');
  const ctx: HttpContext = { provider: 'fal', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = falFamilyOf(opts.model ?? 'fal-ai/nano-banana') ?? 'fal-ai/nano-banana';
  const queue: FalQueueOptions = { ctx, base, apiKey: opts.apiKey, pollIntervalMs: opts.pollIntervalMs ?? 500, cancelTimeoutMs: opts.cancelTimeoutMs ?? 3_000, startTimeoutSeconds: opts.startTimeoutSeconds };
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const familyOf = (input: GenerationInput) => falFamilyOf(input.model ?? defaultModel);

  async function generate(input: GenerationInput, { signal: outer, onProgress }: GenerateOptions): Promise<GenerationOutput> {
    const family = familyOf(input);
    const model = family ? FAL_GENERATION_MODELS[family] : undefined;
    if (!family || !model) throw jobError(ctx, 'bad_input', `unknown fal model ${input.model ?? defaultModel}`, { retryable: false });
    if (input.references.length > model.maxReferences) throw jobError(ctx, 'bad_input', `${family} takes at most ${model.maxReferences} reference image(s) (got ${input.references.length})`);
    const endpoint = model.endpoint(input);
    const signal = withDeadline(outer, timeoutMs);
    const { requestId, output } = await runFalQueue(queue, endpoint, model.input(input), signal, onProgress);
    const nsfw = isRecord(output) && Array.isArray(output.has_nsfw_concepts) ? output.has_nsfw_concepts : [];
    if (nsfw[0] === true) throw jobError(ctx, 'content_policy', 'the safety checker flagged the image (has_nsfw_concepts)', { providerCode: 'has_nsfw_concepts' });
    const url = falImageUrl(output);
    if (!url) throw jobError(ctx, 'server_error', 'the result has no image (expected images[0].url)');
    onProgress?.({ stage: 'downloading' });
    const img = await downloadImage(ctx, url, signal, opts.downloadMaxBytes);
    const description = isRecord(output) && typeof output.description === 'string' && output.description ? { description: output.description.slice(0, 500) } : {};
    const seed = isRecord(output) && typeof output.seed === 'number' ? { seed: output.seed } : {};
    return { image: img.bytes, contentType: img.contentType, model: endpoint, providerRequestId: requestId, costUsd: model.priceUsd(input), meta: { ...description, ...seed } };
  }

  return {
    name: 'fal',
    models: [defaultModel, ...Object.keys(FAL_GENERATION_MODELS).filter((m) => m !== defaultModel)],
    knowsModel: (m) => falFamilyOf(m) !== undefined,
    maxReferenceImages: (model) => {
      const family = falFamilyOf(model ?? defaultModel);
      return family ? FAL_GENERATION_MODELS[family]!.maxReferences : 0;
    },
    generate,
    health: (signal) => falHealth(queue, defaultModel, signal),
    estimateCostUsd: (input) => {
      const family = familyOf(input);
      return family ? FAL_GENERATION_MODELS[family]!.priceUsd(input) : 0.039;
    },
  };
}
