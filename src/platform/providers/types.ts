/**
 * What every AI provider adapter shares, whatever it makes (a try-on, a generated image): the
 * images it is given, its progress, and `ProviderError`, the one way an adapter says why a call
 * failed. The router (router.ts) decides from the error's class whether to retry, fall back or stop.
 */

export type ImageContentType = 'image/jpeg' | 'image/png' | 'image/webp';

export type InputImage = {
  bytes: Buffer;
  contentType: ImageContentType;
  width: number;
  height: number;
  /** A short-lived URL the provider can fetch the image from, when the server has a public URL. */
  url?: string | undefined;
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
