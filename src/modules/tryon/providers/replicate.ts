/**
 * Replicate predictions API (replicate.com/docs/reference/http):
 *   official model  POST {base}/v1/models/{owner}/{name}/predictions  {input}
 *   pinned version  POST {base}/v1/predictions                        {version, input}
 *   poll            GET  {base}/v1/predictions/{id}   status starting|processing|succeeded|failed|canceled|aborted
 *   cancel          POST {base}/v1/predictions/{id}/cancel
 *   account         GET  {base}/v1/account  (health)
 *   files           POST {base}/v1/files (multipart `content`) / DELETE {base}/v1/files/{id}
 * Auth `Authorization: Bearer <token>`. `Cancel-After` sets a server-side deadline (a prediction
 * that never started ends `aborted`, unbilled; a running one `canceled`). `Prefer: wait=N` is off
 * by default: an abort during a held request would leave us without an id to cancel.
 * Images without a URL go inline as data URLs up to 1 MB (Replicate's advice), else through the
 * files API, and those files are deleted when the call ends. Errors: `{title, detail, status}`.
 */
import { toDataUrl, type GenerateOptions, type InputImage, type TryonInput, type TryonOutput, type TryonProvider } from './types.js';
import { REPLICATE_MODELS, resolveReplicateModel } from './replicate-models.js';
import {
  bestEffort, body, call, downloadImage, httpError, isRecord, jobError, pause, str, timed, trimBase, withDeadline,
  type FetchLike, type HttpContext,
} from './http.js';

export type ReplicateOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  /** Default model (`owner/name` or `owner/name:version`); `prunaai/p-image-try-on` otherwise. */
  model?: string | undefined;
  pollIntervalMs?: number | undefined;
  timeoutMs?: number | undefined;
  /** `Cancel-After` value; default: the adapter's timeout in seconds; `false` to send none. */
  cancelAfter?: string | false | undefined;
  /** Send `Prefer: wait=N` on create (1–60). */
  preferWaitSeconds?: number | undefined;
  /** Largest image sent inline as a data URL; larger ones are uploaded through the files API. */
  inlineMaxBytes?: number | undefined;
  cancelTimeoutMs?: number | undefined;
  downloadMaxBytes?: number | undefined;
};

const CONTENT_POLICY = /nsfw|sensitive|safety|content polic|moderat|flagged/i;
const BAD_INPUT = /invalid|must be|is required|not a valid|cannot identify|could not (load|read|decode)|no (person|human|body|pose)|unsupported/i;

function replicateHttpError(ctx: HttpContext, res: Response, b: unknown) {
  const message = isRecord(b) ? str(b.detail) ?? str(b.title) ?? str(b.error) : undefined;
  return httpError(ctx, res, { message, providerCode: isRecord(b) ? str(b.title) : undefined });
}

export function createReplicateProvider(opts: ReplicateOptions): TryonProvider {
  const base = trimBase(opts.baseUrl ?? 'https://api.replicate.com');
  const ctx: HttpContext = { provider: 'replicate', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = opts.model ?? 'prunaai/p-image-try-on';
  const pollMs = opts.pollIntervalMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const deadlineS = Math.ceil(timeoutMs / 1000);
  // Duration syntax as in Replicate's example (`1m`); whole minutes as minutes, else seconds.
  const cancelAfter = opts.cancelAfter === undefined ? (deadlineS % 60 === 0 ? `${deadlineS / 60}m` : `${deadlineS}s`) : opts.cancelAfter;
  const inlineMax = opts.inlineMaxBytes ?? 1024 * 1024;
  const cancelTimeoutMs = opts.cancelTimeoutMs ?? 3_000;
  const auth = { Authorization: `Bearer ${opts.apiKey}` };
  const modelOf = (input: TryonInput) => input.model ?? defaultModel;

  async function api(path: string, init: RequestInit & { signal: AbortSignal }) {
    const res = await call(ctx, `${base}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } });
    const b = await body(ctx, res, init.signal);
    if (!res.ok) throw replicateHttpError(ctx, res, b);
    if (!isRecord(b)) throw jobError(ctx, 'server_error', `unexpected answer from ${path.split('/').slice(0, 3).join('/')}`);
    return b;
  }

  /** A URL Replicate can read: the image's own URL, a data URL, or an uploaded file. */
  async function ref(img: InputImage, uploaded: string[], signal: AbortSignal): Promise<string> {
    if (img.url) return img.url;
    if (img.bytes.length <= inlineMax) return toDataUrl(img);
    const form = new FormData();
    const ext = img.contentType.split('/')[1] ?? 'bin';
    form.append('content', new Blob([img.bytes], { type: img.contentType }), `image.${ext}`);
    const file = await api('/v1/files', { method: 'POST', body: form, signal });
    const id = str(file.id);
    if (id) uploaded.push(id);
    const url = isRecord(file.urls) ? str(file.urls.get) : undefined;
    if (!url) throw jobError(ctx, 'server_error', 'the file upload answer has no urls.get');
    return url;
  }

  async function generate(input: TryonInput, { signal: outer, onProgress }: GenerateOptions): Promise<TryonOutput> {
    const modelId = modelOf(input);
    const resolved = resolveReplicateModel(modelId);
    if (!resolved) throw jobError(ctx, 'bad_input', `unknown Replicate model ${modelId}`, { retryable: false });
    const { name, model, version } = resolved;
    if (input.garments.length < 1 || input.garments.length > model.maxGarments) {
      throw jobError(ctx, 'bad_input', `${name} takes 1 to ${model.maxGarments} garments per call (got ${input.garments.length})`);
    }
    const signal = withDeadline(outer, timeoutMs);
    const uploaded: string[] = [];
    try {
      const refs = { person: await ref(input.person, uploaded, signal), garments: [] as string[] };
      for (const g of input.garments) refs.garments.push(await ref(g, uploaded, signal));
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (cancelAfter) headers['Cancel-After'] = cancelAfter;
      if (opts.preferWaitSeconds) headers.Prefer = `wait=${opts.preferWaitSeconds}`;
      const payload = { ...(version ? { version } : {}), input: model.input(input, refs) };
      let p = await api(version ? '/v1/predictions' : `/v1/models/${name}/predictions`, { method: 'POST', headers, body: JSON.stringify(payload), signal });
      const id = str(p.id);
      if (!id) throw jobError(ctx, 'server_error', 'the prediction has no id');
      onProgress?.({ stage: 'submitted' });

      let done = false;
      try {
        let last = '';
        for (;;) {
          const status = str(p.status) ?? 'unknown';
          if (status === 'succeeded') break;
          if (status === 'failed' || status === 'canceled' || status === 'aborted') {
            done = true;
            const err = typeof p.error === 'string' ? p.error : isRecord(p.error) ? JSON.stringify(p.error) : `prediction ${status}`;
            if (status !== 'failed') throw jobError(ctx, cancelAfter ? 'timeout' : 'canceled', `prediction ${status} (deadline reached or canceled)`, { providerCode: status });
            const cls = CONTENT_POLICY.test(err) ? 'content_policy' : BAD_INPUT.test(err) ? 'bad_input' : 'server_error';
            throw jobError(ctx, cls, err, { providerCode: 'failed' });
          }
          if (status !== last) {
            last = status;
            onProgress?.(status === 'starting' ? { stage: 'queued' } : { stage: 'processing' });
          }
          await pause(ctx, pollMs, signal);
          p = await api(`/v1/predictions/${encodeURIComponent(id)}`, { method: 'GET', signal });
        }
        done = true;
      } finally {
        if (!done) await bestEffort(ctx, `${base}/v1/predictions/${encodeURIComponent(id)}/cancel`, { method: 'POST', headers: auth }, cancelTimeoutMs);
      }

      const output: unknown = Array.isArray(p.output) ? p.output.find((o) => typeof o === 'string') : p.output;
      if (typeof output !== 'string') throw jobError(ctx, 'server_error', 'the prediction succeeded without an output URL');
      onProgress?.({ stage: 'downloading' });
      const img = await downloadImage(ctx, output, signal, opts.downloadMaxBytes);
      const metrics = isRecord(p.metrics) ? p.metrics : undefined;
      return {
        image: img.bytes,
        contentType: img.contentType,
        model: version && version !== model.version ? `${name}:${version}` : name,
        providerRequestId: id,
        costUsd: model.priceUsd(input),
        meta: { ...(metrics && typeof metrics.predict_time === 'number' ? { predictTimeS: metrics.predict_time } : {}) },
      };
    } finally {
      // Shopper photos do not outlive the call on Replicate's side either.
      for (const f of uploaded) await bestEffort(ctx, `${base}/v1/files/${encodeURIComponent(f)}`, { method: 'DELETE', headers: auth }, cancelTimeoutMs);
    }
  }

  /** Health: `GET /v1/account` (authenticated, no side effects). */
  function health(signal: AbortSignal) {
    return timed(ctx, async () => {
      await api('/v1/account', { method: 'GET', signal });
      return { ok: true };
    });
  }

  const def = resolveReplicateModel(defaultModel)?.model;
  return {
    name: 'replicate',
    models: [defaultModel, ...Object.keys(REPLICATE_MODELS).filter((m) => m !== defaultModel.split(':')[0])],
    maxGarmentsPerCall: def?.maxGarments ?? 1,
    categories: def?.categories ?? ['tops', 'bottoms', 'one-pieces', 'auto'],
    generate,
    health,
    estimateCostUsd: (input) => resolveReplicateModel(modelOf(input))?.model.priceUsd(input) ?? 0.03,
  };
}
