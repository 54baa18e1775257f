/**
 * fal.ai queue API (docs.fal.ai/model-apis/model-endpoints/queue):
 *   submit  POST {base}/{model_id}                       → {request_id, response_url, status_url, cancel_url}
 *   status  GET  {base}/{owner}/{alias}/requests/{id}/status → {status: IN_QUEUE(queue_position) | IN_PROGRESS | COMPLETED}
 *   result  GET  {base}/{owner}/{alias}/requests/{id}     → the model's output
 *   cancel  PUT  {base}/{owner}/{alias}/requests/{id}/cancel
 * Auth `Authorization: Key <FAL_KEY>`. Status/result/cancel URLs use only the first two segments
 * of a nested model id (as @fal-ai/client's parseEndpointId does); we follow the URLs the submit
 * answer returns when they are on the configured origin, and build that shape otherwise.
 * Errors: model errors `{detail: [{loc, msg, type}]}` (+ `X-Fal-Retryable`), request errors
 * `{detail: "…", error_type}` (+ `X-Fal-Error-Type`).
 */
import type { GarmentCategory, GenerateOptions, ProviderErrorClass, TryonInput, TryonOutput, TryonProvider } from './types.js';
import {
  bestEffort, body, call, downloadImage, httpError, imageRef, isRecord, jobError, pause, sameOrigin, str, timed, trimBase, withDeadline,
  type FetchLike, type HttpContext,
} from './http.js';

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

const DUMMY_REQUEST_ID = '00000000-0000-0000-0000-000000000000';

/** `fal-ai/kling/v1-5/kolors-virtual-try-on` → `fal-ai/kling` (the app the queue URLs are under). */
export function falAppId(modelId: string): string {
  return modelId.split('/').slice(0, 2).join('/');
}

/** Map a fal error response (model or request error shape) to a ProviderError. */
async function falHttpError(ctx: HttpContext, res: Response, signal: AbortSignal) {
  const b = await body(ctx, res, signal);
  const d = isRecord(b) ? b.detail : undefined;
  const headerRetryable = res.headers.get('x-fal-retryable') ?? res.headers.get('x-fal-needs-retry');
  const retryable = headerRetryable === null ? undefined : /^(1|true|yes)$/i.test(headerRetryable);
  if (Array.isArray(d)) {
    const items = d.filter(isRecord);
    const type = str(items[0]?.type);
    const message = items.map((x) => str(x.msg)).filter(Boolean).join('; ');
    const errorClass = type === 'content_policy_violation' ? 'content_policy' : res.status === 400 || res.status === 422 ? 'bad_input' : undefined;
    return httpError(ctx, res, { message, providerCode: type, errorClass, retryable });
  }
  const errorType = (isRecord(b) ? str(b.error_type) : undefined) ?? res.headers.get('x-fal-error-type') ?? undefined;
  const message = typeof d === 'string' ? d : isRecord(b) ? str(b.message) ?? str(b.error) : undefined;
  let errorClass: ProviderErrorClass | undefined;
  if (errorType?.endsWith('_timeout') && errorType !== 'runner_connection_timeout') errorClass = 'timeout';
  else if (errorType?.startsWith('runner_')) errorClass = 'unavailable';
  // An exhausted balance is answered 403 "User is locked. Reason: Exhausted balance."
  if ((res.status === 403 || res.status === 402) && message && /balance|locked|billing/i.test(message)) errorClass = 'quota';
  return httpError(ctx, res, { message, providerCode: errorType, errorClass, retryable });
}

export function createFalProvider(opts: FalOptions): TryonProvider {
  const base = trimBase(opts.baseUrl ?? 'https://queue.fal.run');
  const ctx: HttpContext = { provider: 'fal', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = opts.model ?? Object.keys(FAL_MODELS)[0]!;
  const pollMs = opts.pollIntervalMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const cancelTimeoutMs = opts.cancelTimeoutMs ?? 3_000;
  const auth = { Authorization: `Key ${opts.apiKey}` };
  const modelOf = (input: TryonInput) => input.model ?? defaultModel;

  const queueUrl = (modelId: string, requestId: string, suffix: '' | '/status' | '/cancel', given: unknown) =>
    sameOrigin(given, base) ? given : `${base}/${falAppId(modelId)}/requests/${encodeURIComponent(requestId)}${suffix}`;

  async function generate(input: TryonInput, { signal: outer, onProgress }: GenerateOptions): Promise<TryonOutput> {
    const modelId = modelOf(input);
    const model = FAL_MODELS[modelId];
    if (!model) throw jobError(ctx, 'bad_input', `unknown fal model ${modelId}`, { retryable: false });
    if (input.garments.length !== 1) throw jobError(ctx, 'bad_input', `fal models take exactly one garment per call (got ${input.garments.length})`);
    const signal = withDeadline(outer, timeoutMs);

    const submit = await call(ctx, `${base}/${modelId}`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', ...(opts.startTimeoutSeconds ? { 'X-Fal-Request-Timeout': String(opts.startTimeoutSeconds) } : {}) },
      body: JSON.stringify(model.input(input)),
      signal,
    });
    if (!submit.ok) throw await falHttpError(ctx, submit, signal);
    const queued = await body(ctx, submit, signal);
    const requestId = isRecord(queued) ? str(queued.request_id) : undefined;
    if (!isRecord(queued) || !requestId) throw jobError(ctx, 'server_error', 'the submit answer has no request_id');
    onProgress?.({ stage: 'submitted' });

    const statusUrl = queueUrl(modelId, requestId, '/status', queued.status_url);
    const cancelUrl = queueUrl(modelId, requestId, '/cancel', queued.cancel_url);
    let responseUrl = queueUrl(modelId, requestId, '', queued.response_url);
    let done = false;
    try {
      let lastKey = '';
      for (;;) {
        const res = await call(ctx, statusUrl, { method: 'GET', headers: auth, signal });
        if (!res.ok) throw await falHttpError(ctx, res, signal);
        const s = await body(ctx, res, signal);
        const status = isRecord(s) ? str(s.status) : undefined;
        if (!isRecord(s) || !status) throw jobError(ctx, 'server_error', 'the status answer has no status');
        if (status === 'COMPLETED') {
          done = true;
          if (sameOrigin(s.response_url, base)) responseUrl = s.response_url;
          const err = str(s.error);
          if (err) throw jobError(ctx, str(s.error_type)?.includes('timeout') ? 'timeout' : 'server_error', err, { providerCode: str(s.error_type) });
          break;
        }
        const position = typeof s.queue_position === 'number' ? s.queue_position : undefined;
        const key = `${status}:${position ?? ''}`;
        if (key !== lastKey) {
          lastKey = key;
          if (status === 'IN_QUEUE') onProgress?.({ stage: 'queued', queuePosition: position });
          else onProgress?.({ stage: 'processing' });
        }
        await pause(ctx, pollMs, signal);
      }
    } finally {
      // Stop paying for work nobody waits for: cancel upstream whenever we leave the loop early
      // (abort, deadline, or a status poll that failed — the router may retry elsewhere).
      if (!done) await bestEffort(ctx, cancelUrl, { method: 'PUT', headers: auth }, cancelTimeoutMs);
    }

    const res = await call(ctx, responseUrl, { method: 'GET', headers: auth, signal });
    if (!res.ok) throw await falHttpError(ctx, res, signal);
    const out = await body(ctx, res, signal);
    const images = isRecord(out) && Array.isArray(out.images) ? out.images : [];
    const first: unknown = images[0] ?? (isRecord(out) ? out.image : undefined);
    const url = isRecord(first) ? str(first.url) : undefined;
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

  /**
   * Health: the status of a request id that cannot exist, under the default model's app. fal has
   * no documented "whoami" on the queue host; this is authenticated and cheap: 401/403 means a bad
   * key, 404 (unknown request) or 2xx means reachable and accepted, 5xx means trouble.
   */
  function health(signal: AbortSignal) {
    return timed(ctx, async () => {
      const res = await call(ctx, `${base}/${falAppId(defaultModel)}/requests/${DUMMY_REQUEST_ID}/status`, { method: 'GET', headers: auth, signal });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok || res.status === 404 || res.status === 422 || res.status === 400) return { ok: true };
      return { ok: false, detail: `fal HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (the key was refused)' : ''}` };
    });
  }

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
