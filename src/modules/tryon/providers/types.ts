/**
 * The one interface every try-on provider implements (fal, Replicate, FASHN, Gemini, local).
 * The router (router.ts, over platform/providers/router.ts) orders providers per tenant and
 * category, applies timeouts, retries, circuit breakers, fallback and hedging around `generate`;
 * adapters only speak their API. What is not try-on specific (images, progress, ProviderError and
 * its classes, the HTTP helpers) is in platform/providers/ and shared with the generation module.
 */
import type { GenerateOptions, HealthResult, ImageContentType, InputImage } from '../../../platform/providers/types.js';

export {
  ProviderError,
  classifyStatus,
  readJson,
  retryAfterMs,
  sleep,
  toDataUrl,
  type GenerateOptions,
  type HealthResult,
  type ImageContentType,
  type InputImage,
  type ProgressEvent,
  type ProviderErrorClass,
} from '../../../platform/providers/types.js';

export type GarmentCategory = 'tops' | 'bottoms' | 'one-pieces' | 'auto';
export type TryonMode = 'fast' | 'balanced' | 'quality';

export type TryonInput = {
  person: InputImage;
  /** One garment per call: the pipeline chains calls for outfits unless `maxGarmentsPerCall` > 1. */
  garments: (InputImage & { category: GarmentCategory })[];
  mode: TryonMode;
  /** A specific model of the provider; default: the adapter's default for the mode. */
  model?: string | undefined;
  seed?: number | undefined;
};

export type TryonOutput = {
  image: Buffer;
  contentType: ImageContentType;
  /** The model that produced it, e.g. `fal-ai/fashn/tryon/v1.6`. */
  model: string;
  /** The provider's own id for the request (for support and dedupe). */
  providerRequestId?: string | undefined;
  /** What the provider says it cost, or our estimate. */
  costUsd?: number | undefined;
  meta?: Record<string, unknown> | undefined;
};

export type TryonProvider = {
  /** `fal` | `replicate` | `fashn` | `gemini` | `local` */
  readonly name: string;
  /** Models this adapter can run; the first is the default. */
  readonly models: readonly string[];
  /** How many garments one call can dress (1 for most; the pipeline chains otherwise). */
  readonly maxGarmentsPerCall: number;
  /** Categories the provider handles well (the router skips it for others). */
  readonly categories: readonly GarmentCategory[];
  generate: (input: TryonInput, opts: GenerateOptions) => Promise<TryonOutput>;
  /** A cheap reachability/auth check (no generation). */
  health: (signal: AbortSignal) => Promise<HealthResult>;
  /** Estimated cost in USD of one call, for the attempt record when the provider does not say. */
  estimateCostUsd: (input: TryonInput) => number;
};
