/**
 * fal.ai try-on models through the queue API (platform/providers/fal-queue.ts: submit → poll status
 * with queue position → result, cancel upstream on abort). This file knows the try-on models'
 * input fields and where their output image is. Auth `Authorization: Key <FAL_KEY>`.
 */
import type { GarmentCategory, GenerateOptions, TryonInput, TryonOutput, TryonProvider } from './types.js';
import { downloadImage, imageRef, isRecord, jobError, trimBase, withDeadline, type FetchLike, type HttpContext } from '../../../platform/providers/http.js';
import { falAppId, falHealth, falImageUrl, runFalQueue, type FalQueueOptions } from '../../../platform/providers/fal-queue.js';

export { falAppId };

export type FalOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  /** Default model; the first of `FAL_MODELS` otherwise. */
  model?: string | undefined;
  pollIntervalMs?: number | undefined;
  /** Give up (and cancel upstream) after this long, even when the caller's signal never fires. */
  timeoutMs?: number | undefined;
  /** Sent as `X-Fal-Request-Timeout` (seconds to start running before fal answers 504). */
  startTimeoutSeconds?: number | undefined;
  cancelTimeoutMs?: number | undefined;
  downloadMaxBytes?: number | undefined;
};

type FalModel = {
  priceUsd: number;
  categories: readonly GarmentCategory[];
  input: (input: TryonInput) => Record<string, unknown>;
};

const FASHN_MODE = { fast: 'performance', balanced: 'balanced', quality: 'quality' } as const;

export const FAL_MODELS: Record<string, FalModel> = {
  'fal-ai/fashn/tryon/v1.6': {
    priceUsd: 0.075,
    categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
    input: (i) => ({
      model_image: imageRef(i.person),
      garment_image: imageRef(i.garments[0]!),
      category: i.garments[0]!.category,
      mode: FASHN_MODE[i.mode],
      ...(i.seed === undefined ? {} : { seed: i.seed }),
    }),
  },
  'fal-ai/kling/v1-5/kolors-virtual-try-on': {
    priceUsd: 0.07,
    categories: ['tops', 'one-pieces', 'auto'],
    input: (i) => ({ human_image_url: imageRef(i.person), garment_image_url: imageRef(i.garments[0]!) }),
  },
};

export function createFalProvider(opts: FalOptions): TryonProvider {
  const base = trimBase(opts.baseUrl ?? 'https://queue.fal.run');
  const ctx: HttpContext = { provider: 'fal', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = opts.model ?? Object.keys(FAL_MODELS)[0]!;
  const queue: FalQueueOptions = { ctx, base, apiKey: opts.apiKey, pollIntervalMs: opts.pollIntervalMs ?? 500, cancelTimeoutMs: opts.cancelTimeoutMs ?? 3_000, startTimeoutSeconds: opts.startTimeoutSeconds };
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const modelOf = (input: TryonInput) => input.model ?? defaultModel;

  async function generate(input: TryonInput, { signal: outer, onProgress }: GenerateOptions): Promise<TryonOutput> {
    const modelId = modelOf(input);
    const model = FAL_MODELS[modelId];
    if (!model) throw jobError(ctx, 'bad_input', `unknown fal model ${modelId}`, { retryable: false });
    if (input.garments.length !== 1) throw jobError(ctx, 'bad_input', `fal models take exactly one garment per call (got ${input.garments.length})`);
    const signal = withDeadline(outer, timeoutMs);
    const { requestId, output: out } = await runFalQueue(queue, modelId, model.input(input), signal, onProgress);
    const url = falImageUrl(out);
    if (!url) throw jobError(ctx, 'server_error', 'the result has no image (expected images[0].url or image.url)');
    onProgress?.({ stage: 'downloading' });
    const img = await downloadImage(ctx, url, signal, opts.downloadMaxBytes);
    const metrics = isRecord(out) && isRecord(out.metrics) ? out.metrics : undefined;
    return {
      image: img.bytes,
      contentType: img.contentType,
      model: modelId,
      providerRequestId: requestId,
      costUsd: model.priceUsd,
      meta: { ...(metrics && typeof metrics.inference_time === 'number' ? { inferenceTimeS: metrics.inference_time } : {}) },
    };
  }

  /** Health: see falHealth (a request id that cannot exist, under the default model's app). */
  const health = (signal: AbortSignal) => falHealth(queue, defaultModel, signal);

  return {
    name: 'fal',
    models: [defaultModel, ...Object.keys(FAL_MODELS).filter((m) => m !== defaultModel)],
    maxGarmentsPerCall: 1,
    categories: FAL_MODELS[defaultModel]?.categories ?? ['tops', 'bottoms', 'one-pieces', 'auto'],
    generate,
    health,
    estimateCostUsd: (input) => FAL_MODELS[modelOf(input)]?.priceUsd ?? 0.075,
  };
}
