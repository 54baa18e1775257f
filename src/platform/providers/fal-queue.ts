/**
 * fal.ai's queue API (docs.fal.ai/model-apis/model-endpoints/queue), for any model:
 *   submit  POST {base}/{model_id}                           → {request_id, response_url, status_url, cancel_url}
 *   status  GET  {base}/{owner}/{alias}/requests/{id}/status → {status: IN_QUEUE(queue_position) | IN_PROGRESS | COMPLETED}
 *   result  GET  {base}/{owner}/{alias}/requests/{id}        → the model's output
 *   cancel  PUT  {base}/{owner}/{alias}/requests/{id}/cancel
 * Auth `Authorization: Key <FAL_KEY>`. Status/result/cancel URLs use only the first two segments
 * of a nested model id (as @fal-ai/client's parseEndpointId does); we follow the URLs the submit
 * answer returns when they are on the configured origin, and build that shape otherwise.
 * Errors: model errors `{detail: [{loc, msg, type}]}` (+ `X-Fal-Retryable`), request errors
 * `{detail: "…", error_type}` (+ `X-Fal-Error-Type`).
 *
 * Used by the try-on adapter (tryon/providers/fal.ts) and the generation adapter
 * (generation/providers/fal.ts); each knows its models' input and output fields.
 */
import type { ProgressEvent, ProviderErrorClass } from './types.js';
import { bestEffort, body, call, httpError, isRecord, jobError, pause, sameOrigin, str, timed, type HttpContext } from './http.js';

export type FalQueueOptions = {
  ctx: HttpContext;
  /** The queue host, without a trailing slash (https://queue.fal.run). */
  base: string;
  apiKey: string;
  pollIntervalMs: number;
  cancelTimeoutMs: number;
  /** Sent as `X-Fal-Request-Timeout` (seconds to start running before fal answers 504). */
  startTimeoutSeconds?: number | undefined;
};

const DUMMY_REQUEST_ID = '00000000-0000-0000-0000-000000000000';

/** `fal-ai/kling/v1-5/kolors-virtual-try-on` → `fal-ai/kling` (the app the queue URLs are under). */
export function falAppId(modelId: string): string {
  return modelId.split('/').slice(0, 2).join('/');
}

/** Map a fal error response (model or request error shape) to a ProviderError. */
export async function falHttpError(ctx: HttpContext, res: Response, signal: AbortSignal) {
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

/**
 * Submit one request to a model's queue, follow it to the end (queue position reported through
 * `onProgress`) and return the model's output document. Leaving early (abort, deadline, a failed
 * poll) cancels the request upstream, so nobody pays for work no one waits for.
 */
export async function runFalQueue(
  q: FalQueueOptions,
  modelId: string,
  input: Record<string, unknown>,
  signal: AbortSignal,
  onProgress?: (e: ProgressEvent) => void,
): Promise<{ requestId: string; output: unknown }> {
  const { ctx, base } = q;
  const auth = { Authorization: `Key ${q.apiKey}` };
  const queueUrl = (requestId: string, suffix: '' | '/status' | '/cancel', given: unknown) =>
    sameOrigin(given, base) ? given : `${base}/${falAppId(modelId)}/requests/${encodeURIComponent(requestId)}${suffix}`;

  const submit = await call(ctx, `${base}/${modelId}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', ...(q.startTimeoutSeconds ? { 'X-Fal-Request-Timeout': String(q.startTimeoutSeconds) } : {}) },
    body: JSON.stringify(input),
    signal,
  });
  if (!submit.ok) throw await falHttpError(ctx, submit, signal);
  const queued = await body(ctx, submit, signal);
  const requestId = isRecord(queued) ? str(queued.request_id) : undefined;
  if (!isRecord(queued) || !requestId) throw jobError(ctx, 'server_error', 'the submit answer has no request_id');
  onProgress?.({ stage: 'submitted' });

  const statusUrl = queueUrl(requestId, '/status', queued.status_url);
  const cancelUrl = queueUrl(requestId, '/cancel', queued.cancel_url);
  let responseUrl = queueUrl(requestId, '', queued.response_url);
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
      await pause(ctx, q.pollIntervalMs, signal);
    }
  } finally {
    // Stop paying for work nobody waits for: cancel upstream whenever we leave the loop early
    // (abort, deadline, or a status poll that failed — the router may retry elsewhere).
    if (!done) await bestEffort(ctx, cancelUrl, { method: 'PUT', headers: auth }, q.cancelTimeoutMs);
  }

  const res = await call(ctx, responseUrl, { method: 'GET', headers: auth, signal });
  if (!res.ok) throw await falHttpError(ctx, res, signal);
  return { requestId, output: await body(ctx, res, signal) };
}

/**
 * Health: the status of a request id that cannot exist, under a model's app. fal has no
 * documented "whoami" on the queue host; this is authenticated and cheap: 401/403 means a bad
 * key, 404 (unknown request) or 2xx means reachable and accepted, 5xx means trouble.
 */
export function falHealth(q: Pick<FalQueueOptions, 'ctx' | 'base' | 'apiKey'>, modelId: string, signal: AbortSignal) {
  return timed(q.ctx, async () => {
    const res = await call(q.ctx, `${q.base}/${falAppId(modelId)}/requests/${DUMMY_REQUEST_ID}/status`, { method: 'GET', headers: { Authorization: `Key ${q.apiKey}` }, signal });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok || res.status === 404 || res.status === 422 || res.status === 400) return { ok: true };
    return { ok: false, detail: `fal HTTP ${res.status}${res.status === 401 || res.status === 403 ? ' (the key was refused)' : ''}` };
  });
}

/** The first output image's URL: `images[0].url` (most models) or `image.url` (some, e.g. Kling). */
export function falImageUrl(output: unknown): string | undefined {
  const images = isRecord(output) && Array.isArray(output.images) ? output.images : [];
  const first: unknown = images[0] ?? (isRecord(output) ? output.image : undefined);
  return isRecord(first) ? str(first.url) : undefined;
}
