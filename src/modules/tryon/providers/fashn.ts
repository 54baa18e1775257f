/**
 * FASHN API (docs.fashn.ai/api-overview/api-fundamentals):
 *   run      POST {base}/v1/run  {model_name, inputs}  → {id, error}
 *   status   GET  {base}/v1/status/{id} → {id, status: starting|in_queue|processing|completed|failed
 *            (+ canceled|time_out), output: [url | base64], error: {name, message} | null}
 *   credits  GET  {base}/v1/credits → {credits: {total, subscription, on_demand}}  (health)
 * Auth `Authorization: Bearer <key>`. API-level errors `{error: "<Name>", message}`: 401
 * UnauthorizedAccess, 429 RateLimitExceeded | ConcurrencyLimitExceeded | OutOfCredits. Runtime
 * errors by name (ImageLoadError, ContentModerationError, PoseError, InputValidationError →
 * input's fault; PipelineError, ThirdPartyError, 3rdPartyProviderError, InternalServerError →
 * retryable). FASHN has no cancel endpoint: an abort only stops our polling.
 * `return_base64` is on by default: FASHN then never stores the output (privacy).
 */
import type { GenerateOptions, ProviderErrorClass, TryonInput, TryonOutput, TryonProvider } from './types.js';
import {
  body, call, decodeInlineImage, downloadImage, httpError, imageRef, isRecord, jobError, pause, str, timed, trimBase, withDeadline,
  type FetchLike, type HttpContext,
} from './http.js';

export type FashnOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  /** `tryon-v1.6` (default) or `tryon-v1.5`. */
  model?: string | undefined;
  /** FASHN allows 50 status calls per 10 s per account: keep this ≥ 500 ms in production. */
  pollIntervalMs?: number | undefined;
  timeoutMs?: number | undefined;
  /** Ask for base64 output (never stored by FASHN); default true. */
  returnBase64?: boolean | undefined;
  outputFormat?: 'png' | 'jpeg' | undefined;
  moderationLevel?: 'conservative' | 'permissive' | 'none' | undefined;
  /** USD per credit (1 credit per image); default 0.075. */
  creditUsd?: number | undefined;
  downloadMaxBytes?: number | undefined;
};

export const FASHN_MODELS = ['tryon-v1.6', 'tryon-v1.5'] as const;
const MODE = { fast: 'performance', balanced: 'balanced', quality: 'quality' } as const;

/** Runtime error names → our classes (retryable follows the class unless set). */
export const FASHN_RUNTIME_ERRORS: Record<string, { errorClass: ProviderErrorClass; retryable?: boolean }> = {
  ImageLoadError: { errorClass: 'bad_input' },
  PoseError: { errorClass: 'bad_input' },
  InputValidationError: { errorClass: 'bad_input' },
  LoRALoadError: { errorClass: 'bad_input' },
  ContentModerationError: { errorClass: 'content_policy' },
  PipelineError: { errorClass: 'server_error' },
  ThirdPartyError: { errorClass: 'server_error' },
  '3rdPartyProviderError': { errorClass: 'server_error' },
  InternalServerError: { errorClass: 'server_error' },
};

function fashnHttpError(ctx: HttpContext, res: Response, b: unknown) {
  const name = isRecord(b) ? str(b.error) ?? (isRecord(b.error) ? str(b.error.name) : undefined) : undefined;
  const message = isRecord(b) ? str(b.message) ?? (isRecord(b.error) ? str(b.error.message) : undefined) : undefined;
  let errorClass: ProviderErrorClass | undefined;
  if (name === 'OutOfCredits') errorClass = 'quota';
  else if (name === 'RateLimitExceeded' || name === 'ConcurrencyLimitExceeded') errorClass = 'rate_limited';
  else if (name === 'UnauthorizedAccess') errorClass = 'auth';
  return httpError(ctx, res, { message, providerCode: name, errorClass });
}

export function createFashnProvider(opts: FashnOptions): TryonProvider {
  const base = trimBase(opts.baseUrl ?? 'https://api.fashn.ai');
  const ctx: HttpContext = { provider: 'fashn', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = opts.model ?? 'tryon-v1.6';
  const pollMs = opts.pollIntervalMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const returnBase64 = opts.returnBase64 ?? true;
  const creditUsd = opts.creditUsd ?? 0.075;
  const auth = { Authorization: `Bearer ${opts.apiKey}` };

  async function api(path: string, init: RequestInit & { signal: AbortSignal }) {
    const res = await call(ctx, `${base}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } });
    const b = await body(ctx, res, init.signal);
    if (!res.ok) throw fashnHttpError(ctx, res, b);
    if (!isRecord(b)) throw jobError(ctx, 'server_error', `unexpected answer from ${path.split('/').slice(0, 3).join('/')}`);
    return { b, res };
  }

  async function generate(input: TryonInput, { signal: outer, onProgress }: GenerateOptions): Promise<TryonOutput> {
    const model = input.model ?? defaultModel;
    if (!(FASHN_MODELS as readonly string[]).includes(model)) throw jobError(ctx, 'bad_input', `unknown FASHN model ${model}`, { retryable: false });
    if (input.garments.length !== 1) throw jobError(ctx, 'bad_input', `FASHN takes exactly one garment per call (got ${input.garments.length})`);
    const garment = input.garments[0]!;
    const signal = withDeadline(outer, timeoutMs);
    const inputs = {
      model_image: imageRef(input.person),
      garment_image: imageRef(garment),
      category: garment.category,
      mode: MODE[input.mode],
      output_format: opts.outputFormat ?? 'png',
      return_base64: returnBase64,
      ...(opts.moderationLevel ? { moderation_level: opts.moderationLevel } : {}),
      ...(input.seed === undefined ? {} : { seed: input.seed }),
    };
    const { b: run } = await api('/v1/run', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model_name: model, inputs }), signal });
    const id = str(run.id);
    if (run.error) throw runtimeError(run.error);
    if (!id) throw jobError(ctx, 'server_error', 'the run answer has no id');
    onProgress?.({ stage: 'submitted' });

    let last = '';
    let s: Record<string, unknown>;
    let creditsHeader: string | null = null;
    for (;;) {
      await pause(ctx, pollMs, signal);
      const r = await api(`/v1/status/${encodeURIComponent(id)}`, { method: 'GET', signal });
      s = r.b;
      creditsHeader = r.res.headers.get('x-fashn-credits-used');
      const status = str(s.status) ?? 'unknown';
      if (status === 'completed') break;
      if (status === 'failed') throw runtimeError(s.error);
      if (status === 'canceled' || status === 'time_out') throw jobError(ctx, 'timeout', `prediction ${status}`, { providerCode: status });
      if (status !== last) {
        last = status;
        onProgress?.(status === 'processing' ? { stage: 'processing' } : { stage: 'queued' });
      }
    }

    const output = Array.isArray(s.output) ? s.output.find((o): o is string => typeof o === 'string') : undefined;
    if (!output) throw jobError(ctx, 'server_error', 'the prediction completed without output');
    onProgress?.({ stage: 'downloading' });
    const img = /^https?:\/\//i.test(output) ? await downloadImage(ctx, output, signal, opts.downloadMaxBytes) : decodeInlineImage(ctx, output);
    const credits = creditsHeader !== null && Number.isFinite(Number(creditsHeader)) ? Number(creditsHeader) : undefined;
    return {
      image: img.bytes,
      contentType: img.contentType,
      model,
      providerRequestId: id,
      costUsd: (credits ?? 1) * creditUsd,
      meta: { ...(credits === undefined ? {} : { creditsUsed: credits }) },
    };
  }

  function runtimeError(err: unknown) {
    const name = isRecord(err) ? str(err.name) : typeof err === 'string' ? err : undefined;
    const message = isRecord(err) ? str(err.message) ?? name : name;
    const known = name ? FASHN_RUNTIME_ERRORS[name] : undefined;
    return jobError(ctx, known?.errorClass ?? 'server_error', `${name ?? 'Error'}: ${message ?? 'the prediction failed'}`, { providerCode: name, retryable: known?.retryable });
  }

  /** Health: `GET /v1/credits`: reachable, key accepted, and credits left. */
  function health(signal: AbortSignal) {
    return timed(ctx, async () => {
      const { b } = await api('/v1/credits', { method: 'GET', signal });
      const total = isRecord(b.credits) && typeof b.credits.total === 'number' ? b.credits.total : undefined;
      if (total !== undefined && total <= 0) return { ok: false, detail: 'no FASHN credits left' };
      return { ok: true, detail: total === undefined ? undefined : `${total} credits` };
    });
  }

  return {
    name: 'fashn',
    models: [defaultModel, ...FASHN_MODELS.filter((m) => m !== defaultModel)],
    maxGarmentsPerCall: 1,
    categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
    generate,
    health,
    estimateCostUsd: () => creditUsd,
  };
}
