/**
 * The one interface every try-on provider implements (fal, Replicate, FASHN, Gemini, local).
 * The router (router.ts) orders providers per tenant and category, applies timeouts, retries,
 * circuit breakers, fallback and hedging around `generate`; adapters only speak their API.
 */

export type GarmentCategory = 'tops' | 'bottoms' | 'one-pieces' | 'auto';
export type TryonMode = 'fast' | 'balanced' | 'quality';
export type ImageContentType = 'image/jpeg' | 'image/png' | 'image/webp';

export type InputImage = {
  bytes: Buffer;
  contentType: ImageContentType;
  width: number;
  height: number;
  /** A short-lived URL the provider can fetch the image from, when the server has a public URL. */
  url?: string | undefined;
};

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

/** Progress a provider reports while waiting (queue position, stage). */
export type ProgressEvent = { stage: 'submitted' | 'queued' | 'processing' | 'downloading'; queuePosition?: number | undefined; message?: string | undefined };

export type GenerateOptions = {
  signal: AbortSignal;
  onProgress?: ((e: ProgressEvent) => void) | undefined;
};

/**
 * Why a call failed. `retryable` tells the router whether the same provider may be tried again
 * (after `retryAfterMs` when given); otherwise it falls back to the next provider, or fails the
 * job when the error is the input's fault (`bad_input`, `content_policy`).
 */
export type ProviderErrorClass =
  | 'timeout'
  | 'rate_limited'
  | 'unavailable'
  | 'server_error'
  | 'bad_input'
  | 'content_policy'
  | 'auth'
  | 'quota'
  | 'canceled'
  | 'unknown';

export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly provider: string,
    readonly errorClass: ProviderErrorClass,
    message: string,
    readonly opts: { retryable?: boolean; status?: number | undefined; retryAfterMs?: number | undefined; providerCode?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
  get retryable(): boolean {
    return this.opts.retryable ?? ['timeout', 'rate_limited', 'unavailable', 'server_error'].includes(this.errorClass);
  }
  /** Errors caused by the input itself: another provider would fail the same way. */
  get isInputError(): boolean {
    return this.errorClass === 'bad_input' || this.errorClass === 'content_policy';
  }
}

export type HealthResult = { ok: boolean; latencyMs: number; detail?: string | undefined };

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

/** Read a response body as JSON without throwing on HTML error pages. */
export async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return { raw: text.slice(0, 500) };
  }
}

/** Map an HTTP status from a provider to an error class. */
export function classifyStatus(status: number): ProviderErrorClass {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 502) return 'unavailable';
  if (status >= 500) return 'server_error';
  if (status === 400 || status === 404 || status === 413 || status === 415 || status === 422) return 'bad_input';
  return 'unknown';
}

/** `Retry-After` (seconds or HTTP date) in milliseconds. */
export function retryAfterMs(res: Response, now = Date.now()): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Wait `ms`, or reject when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const toDataUrl = (img: { bytes: Buffer; contentType: string }) => `data:${img.contentType};base64,${img.bytes.toString('base64')}`;
