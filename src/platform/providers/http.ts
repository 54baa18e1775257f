/**
 * Plumbing every HTTP adapter shares: one `call` that turns aborts and network failures into
 * `ProviderError`s, message scrubbing (no API key, no base64, no data URLs ever reach an error
 * message), polling waits that respect the signal, a best-effort cancel with its own short
 * deadline, and the download of the output image (size-capped, type sniffed from the bytes).
 */
import { ProviderError, classifyStatus, readJson, retryAfterMs, sleep, toDataUrl, type ImageContentType, type InputImage, type ProviderErrorClass } from './types.js';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export type HttpContext = {
  provider: string;
  fetch: FetchLike;
  /** Strings that must never appear in an error message (the API key). */
  secrets: readonly string[];
};

export const DEFAULT_DOWNLOAD_MAX_BYTES = 30 * 1024 * 1024;

/** A message safe to keep in an error (and so in logs and attempt records). */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out
    .replace(/data:[\w/+.-]+;base64,[A-Za-z0-9+/=_-]*/g, '[data-url]')
    .replace(/[A-Za-z0-9+/=_-]{80,}/g, '[…]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** The error for a call whose signal fired: `timeout` when the reason is a TimeoutError, else `canceled`. */
export function abortError(provider: string, signal: AbortSignal): ProviderError {
  const reason: unknown = signal.reason;
  const isTimeout = reason instanceof Error && reason.name === 'TimeoutError';
  return new ProviderError(provider, isTimeout ? 'timeout' : 'canceled', isTimeout ? `${provider}: timed out` : `${provider}: canceled`, {
    retryable: isTimeout,
    cause: reason,
  });
}

/** fetch with the signal passed through; aborts and network failures become ProviderErrors. */
export async function call(ctx: HttpContext, url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  if (init.signal.aborted) throw abortError(ctx.provider, init.signal);
  try {
    return await ctx.fetch(url, init);
  } catch (e) {
    if (init.signal.aborted) throw abortError(ctx.provider, init.signal);
    const msg = e instanceof Error ? `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}` : String(e);
    throw new ProviderError(ctx.provider, 'unavailable', `${ctx.provider}: network error: ${scrub(msg, ctx.secrets)}`, { cause: e });
  }
}

/** Read a JSON body; an abort while reading becomes the abort error. */
export async function body(ctx: HttpContext, res: Response, signal: AbortSignal): Promise<unknown> {
  try {
    return await readJson(res);
  } catch (e) {
    if (signal.aborted) throw abortError(ctx.provider, signal);
    throw new ProviderError(ctx.provider, 'unavailable', `${ctx.provider}: the response body could not be read`, { cause: e });
  }
}

export type ErrorDetails = {
  message?: string | undefined;
  providerCode?: string | undefined;
  errorClass?: ProviderErrorClass | undefined;
  retryable?: boolean | undefined;
  /** When the provider says it in the body rather than in Retry-After. */
  retryAfterMs?: number | undefined;
};

/** A ProviderError for a non-2xx response: class from the status unless the provider said better. */
export function httpError(ctx: HttpContext, res: Response, d: ErrorDetails = {}): ProviderError {
  const errorClass = d.errorClass ?? classifyStatus(res.status);
  const detail = d.message ? `: ${scrub(d.message, ctx.secrets)}` : '';
  return new ProviderError(ctx.provider, errorClass, `${ctx.provider} HTTP ${res.status}${d.providerCode ? ` ${d.providerCode}` : ''}${detail}`, {
    status: res.status,
    retryAfterMs: retryAfterMs(res) ?? d.retryAfterMs,
    providerCode: d.providerCode,
    ...(d.retryable === undefined ? {} : { retryable: d.retryable }),
  });
}

/** A ProviderError for a job that failed on the provider's side (not an HTTP failure). */
export function jobError(ctx: HttpContext, errorClass: ProviderErrorClass, message: string, opts: { providerCode?: string | undefined; retryable?: boolean | undefined } = {}) {
  return new ProviderError(ctx.provider, errorClass, `${ctx.provider}: ${scrub(message, ctx.secrets)}`, {
    providerCode: opts.providerCode,
    ...(opts.retryable === undefined ? {} : { retryable: opts.retryable }),
  });
}

/** Sleep between polls; an abort becomes the abort error. */
export async function pause(ctx: HttpContext, ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw abortError(ctx.provider, signal);
  }
}

/** A signal that fires on the caller's abort or after `timeoutMs`, whichever comes first. */
export function withDeadline(signal: AbortSignal, timeoutMs: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
}

/** Fire a cancel request with its own short deadline (the job's signal has already fired); never throws. */
export async function bestEffort(ctx: HttpContext, url: string, init: RequestInit, timeoutMs: number): Promise<boolean> {
  try {
    const res = await ctx.fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok;
  } catch {
    return false;
  }
}

/** The image type from its magic bytes (only the types the platform stores). */
export function sniffContentType(buf: Buffer): ImageContentType | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'image/jpeg';
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

/** Bytes of an output image that arrived inline (data URL or bare base64). */
export function decodeInlineImage(ctx: HttpContext, value: string): { bytes: Buffer; contentType: ImageContentType } {
  const b64 = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
  const bytes = Buffer.from(b64, 'base64');
  const contentType = sniffContentType(bytes);
  if (!contentType) throw jobError(ctx, 'server_error', 'the provider returned an inline output that is not a JPEG, PNG or WebP image');
  return { bytes, contentType };
}

/**
 * Download the output image. No credentials are sent (output URLs are public CDN links, often
 * on another host). The size is capped while streaming; the type comes from the bytes.
 */
export async function downloadImage(ctx: HttpContext, url: string, signal: AbortSignal, maxBytes = DEFAULT_DOWNLOAD_MAX_BYTES) {
  if (url.startsWith('data:')) return decodeInlineImage(ctx, url);
  if (!/^https?:\/\//i.test(url)) throw jobError(ctx, 'server_error', 'the provider returned an output URL that is not http(s)');
  const res = await call(ctx, url, { method: 'GET', signal });
  if (!res.ok) {
    await res.arrayBuffer().catch(() => undefined);
    const cls = classifyStatus(res.status);
    throw httpError(ctx, res, { message: 'downloading the output image failed', errorClass: cls === 'bad_input' || cls === 'auth' || cls === 'unknown' ? 'server_error' : cls });
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw jobError(ctx, 'server_error', `the output image is larger than ${maxBytes} bytes`, { retryable: false });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.byteLength;
        if (total > maxBytes) throw jobError(ctx, 'server_error', `the output image is larger than ${maxBytes} bytes`, { retryable: false });
        chunks.push(Buffer.from(chunk));
      }
    }
  } catch (e) {
    if (e instanceof ProviderError) throw e;
    if (signal.aborted) throw abortError(ctx.provider, signal);
    throw new ProviderError(ctx.provider, 'unavailable', `${ctx.provider}: the output download was interrupted`, { cause: e });
  }
  const bytes = Buffer.concat(chunks);
  const contentType = sniffContentType(bytes);
  if (!contentType) throw jobError(ctx, 'server_error', 'the output is not a JPEG, PNG or WebP image');
  return { bytes, contentType };
}

/** The image as the provider should receive it: its short-lived URL when we have one, else a data URL. */
export const imageRef = (img: InputImage) => img.url ?? toDataUrl(img);

/** Same origin as the configured base URL (only then do we follow a URL the provider handed us, with our key). */
export function sameOrigin(url: unknown, base: string): url is string {
  if (typeof url !== 'string') return false;
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

export const trimBase = (u: string) => u.replace(/\/+$/, '');

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Time a health probe; `probe` returns ok + detail, exceptions count as not ok. */
export async function timed(ctx: HttpContext, probe: () => Promise<{ ok: boolean; detail?: string | undefined }>) {
  const started = performance.now();
  try {
    const r = await probe();
    return { ok: r.ok, latencyMs: Math.round(performance.now() - started), detail: r.detail };
  } catch (e) {
    const detail = e instanceof ProviderError ? e.message : scrub(e instanceof Error ? e.message : String(e), ctx.secrets);
    return { ok: false, latencyMs: Math.round(performance.now() - started), detail };
  }
}
