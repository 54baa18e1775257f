/**
 * The interface every image generation provider implements (Gemini, fal). The router
 * (platform/providers/router.ts) orders them, applies timeouts, retries, circuit breakers, fallback
 * and hedging around `generate`; adapters only speak their API. There is no local engine for
 * generation: without a provider key nothing is generated (never a placeholder image).
 */
import type { GenerateOptions, HealthResult, ImageContentType, InputImage } from '../../../platform/providers/types.js';

export type GenerationInput = {
  /** What to make (1–4000 characters), passed to the model as given. */
  prompt: string;
  /** 0–3 reference images (a product, a style, a person), in the order given. */
  references: InputImage[];
  /** The size asked for; an adapter maps it to what its model takes (aspect ratio, resolution or exact size). */
  width: number;
  height: number;
  /** A specific model of the provider; default: the adapter's configured default. */
  model?: string | undefined;
  seed?: number | undefined;
};

export type GenerationOutput = {
  image: Buffer;
  contentType: ImageContentType;
  /** The model that produced it (for fal: the endpoint, e.g. `fal-ai/nano-banana/edit`). */
  model: string;
  providerRequestId?: string | undefined;
  costUsd?: number | undefined;
  meta?: Record<string, unknown> | undefined;
};

export type GenerationProvider = {
  /** `gemini` | `fal` */
  readonly name: string;
  /** Models a request may name; the first is the default. */
  readonly models: readonly string[];
  /** Whether a request may name this model. */
  knowsModel: (model: string) => boolean;
  /** How many reference images one call can take with this model (default model when undefined). */
  maxReferenceImages: (model?: string) => number;
  generate: (input: GenerationInput, opts: GenerateOptions) => Promise<GenerationOutput>;
  health: (signal: AbortSignal) => Promise<HealthResult>;
  estimateCostUsd: (input: GenerationInput) => number;
};

/** The setting that turns each provider on: named in the problem a request gets when it is missing. */
export const PROVIDER_SETTINGS = { gemini: 'GEMINI_API_KEY', fal: 'FAL_KEY' } as const;
export type GenerationProviderName = keyof typeof PROVIDER_SETTINGS;
export const GENERATION_PROVIDERS = Object.keys(PROVIDER_SETTINGS) as GenerationProviderName[];
