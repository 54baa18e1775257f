/**
 * Gemini image generation (ai.google.dev/api/generate-content), synchronous:
 *   POST {base}/v1beta/models/{model}:generateContent   header `x-goog-api-key`
 *   body {contents: [{role: 'user', parts: [{text}, {inlineData: {mimeType, data}} …]}],
 *         generationConfig: {responseModalities: ['TEXT', 'IMAGE'], imageConfig: {aspectRatio}, seed}}
 *   GET  {base}/v1beta/models/{model}   (health)
 * The image comes back in `candidates[0].content.parts[].inlineData` (REST answers camelCase;
 * `inline_data` is accepted too). `promptFeedback.blockReason`, a safety finishReason or a
 * text-only reply mean a refusal → content_policy. Errors `{error: {code, message, status,
 * details}}`: a wrong key is 400 INVALID_ARGUMENT with reason API_KEY_INVALID (→ auth);
 * 429 RESOURCE_EXHAUSTED carries RetryInfo.retryDelay. The model works best with ≤ 3 input
 * images, so one call dresses at most 2 garments. No cancel endpoint: an abort drops the request.
 */
import type { GarmentCategory, GenerateOptions, ProviderErrorClass, TryonInput, TryonOutput, TryonProvider } from './types.js';
import { body, call, httpError, isRecord, jobError, sniffContentType, str, timed, trimBase, withDeadline, type FetchLike, type HttpContext } from './http.js';

export type GeminiOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  model?: string | undefined;
  timeoutMs?: number | undefined;
  /** USD per generated image; default 0.039 (1290 output tokens at $30 per million). */
  imagePriceUsd?: number | undefined;
};

const REFUSALS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']);
const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
const GARMENT_WORDS: Record<GarmentCategory, string> = {
  tops: 'a top (upper-body garment)',
  bottoms: 'a bottom (trousers, shorts or skirt)',
  'one-pieces': 'a one-piece (dress or jumpsuit)',
  auto: 'a garment',
};

/** The supported aspect ratio closest to width/height (the output keeps the person's framing). */
export function nearestAspectRatio(width: number, height: number): string {
  if (!(width > 0 && height > 0)) return '3:4';
  const target = Math.log(width / height);
  let best: string = ASPECT_RATIOS[0];
  let bestDist = Infinity;
  for (const r of ASPECT_RATIOS) {
    const [w, h] = r.split(':').map(Number) as [number, number];
    const d = Math.abs(Math.log(w / h) - target);
    if (d < bestDist) [best, bestDist] = [r, d];
  }
  return best;
}

export function tryonPrompt(input: TryonInput): string {
  const garments = input.garments.map((g, i) => `Image ${i + 2} shows ${GARMENT_WORDS[g.category]}.`).join(' ');
  const detail = input.mode === 'quality' ? ' Render fabric texture, folds, prints and logos faithfully.' : '';
  return [
    'Virtual try-on. Image 1 is a photo of a person.',
    garments,
    `Produce one photorealistic photo of the same person from image 1 wearing ${input.garments.length > 1 ? 'these garments' : 'this garment'}, replacing what they wear in that area.`,
    'Keep the face, identity, skin tone, hair, body shape and proportions, pose, background and lighting exactly as in image 1; do not slim or reshape the body; do not add accessories.',
    `Keep the garment's colour, pattern and cut.${detail} Return only the image.`,
  ].join(' ');
}

function geminiHttpError(ctx: HttpContext, res: Response, b: unknown) {
  const err = isRecord(b) && isRecord(b.error) ? b.error : undefined;
  const status = err ? str(err.status) : undefined;
  const details = err && Array.isArray(err.details) ? err.details.filter(isRecord) : [];
  const reason = details.map((d) => str(d.reason)).find(Boolean);
  const delay = details.map((d) => str(d.retryDelay)).find(Boolean);
  let errorClass: ProviderErrorClass | undefined;
  let retryable: boolean | undefined;
  if (reason === 'API_KEY_INVALID' || status === 'UNAUTHENTICATED' || status === 'PERMISSION_DENIED') errorClass = 'auth';
  else if (status === 'RESOURCE_EXHAUSTED') errorClass = 'rate_limited';
  else if (status === 'DEADLINE_EXCEEDED') errorClass = 'timeout';
  else if (status === 'FAILED_PRECONDITION') [errorClass, retryable] = ['unavailable', false]; // region or billing: not this account
  const retryAfterMs = delay && /^\d+(\.\d+)?s$/.test(delay) ? Math.round(parseFloat(delay) * 1000) : undefined;
  return httpError(ctx, res, { message: err ? str(err.message) : undefined, providerCode: reason ?? status, errorClass, retryable, retryAfterMs });
}

export function createGeminiProvider(opts: GeminiOptions): TryonProvider {
  const base = trimBase(opts.baseUrl ?? 'https://generativelanguage.googleapis.com');
  const ctx: HttpContext = { provider: 'gemini', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const defaultModel = opts.model ?? 'gemini-2.5-flash-image';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const price = opts.imagePriceUsd ?? 0.039;
  const headers = { 'x-goog-api-key': opts.apiKey };
  const modelPath = (m: string) => `${base}/v1beta/models/${encodeURIComponent(m)}`;

  async function generate(input: TryonInput, { signal: outer, onProgress }: GenerateOptions): Promise<TryonOutput> {
    const model = input.model ?? defaultModel;
    if (input.garments.length < 1 || input.garments.length > 2) throw jobError(ctx, 'bad_input', `Gemini takes 1 or 2 garments per call (got ${input.garments.length})`);
    const signal = withDeadline(outer, timeoutMs);
    const inline = (img: { bytes: Buffer; contentType: string }) => ({ inlineData: { mimeType: img.contentType, data: img.bytes.toString('base64') } });
    const payload = {
      contents: [{ role: 'user', parts: [{ text: tryonPrompt(input) }, inline(input.person), ...input.garments.map(inline)] }],
      generationConfig: {
        responseModalities: ['TEXT', 'IMAGE'],
        imageConfig: { aspectRatio: nearestAspectRatio(input.person.width, input.person.height) },
        ...(input.seed === undefined ? {} : { seed: input.seed }),
      },
    };
    onProgress?.({ stage: 'submitted' });
    onProgress?.({ stage: 'processing' });
    const res = await call(ctx, `${modelPath(model)}:generateContent`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
      signal,
    });
    const b = await body(ctx, res, signal);
    if (!res.ok) throw geminiHttpError(ctx, res, b);
    if (!isRecord(b)) throw jobError(ctx, 'server_error', 'the answer is not JSON');

    const feedback = isRecord(b.promptFeedback) ? b.promptFeedback : undefined;
    const blockReason = feedback ? str(feedback.blockReason) : undefined;
    if (blockReason) throw jobError(ctx, 'content_policy', `the request was blocked (${blockReason})`, { providerCode: blockReason });
    const candidate = Array.isArray(b.candidates) && isRecord(b.candidates[0]) ? b.candidates[0] : undefined;
    const finishReason = candidate ? str(candidate.finishReason) : undefined;
    const parts = candidate && isRecord(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts.filter(isRecord) : [];
    const image = parts.map((p) => (isRecord(p.inlineData) ? p.inlineData : isRecord(p.inline_data) ? p.inline_data : undefined)).find((d) => d && str(d.data));
    if (!image) {
      if (finishReason && REFUSALS.has(finishReason)) throw jobError(ctx, 'content_policy', `the model refused (${finishReason})`, { providerCode: finishReason });
      if (finishReason && finishReason !== 'STOP') throw jobError(ctx, 'server_error', `no image was produced (${finishReason})`, { providerCode: finishReason, retryable: false });
      const text = parts.map((p) => str(p.text)).filter(Boolean).join(' ');
      throw jobError(ctx, 'content_policy', `the model answered with text only${text ? `: ${text.slice(0, 160)}` : ''}`, { providerCode: 'TEXT_ONLY' });
    }
    const bytes = Buffer.from(str(image.data)!, 'base64');
    const contentType = sniffContentType(bytes);
    if (!contentType) throw jobError(ctx, 'server_error', `the model returned ${str(image.mimeType) ?? str(image.mime_type) ?? 'an unknown type'}, not a JPEG, PNG or WebP image`);
    const usage = isRecord(b.usageMetadata) ? b.usageMetadata : undefined;
    return {
      image: bytes,
      contentType,
      model: str(b.modelVersion) ?? model,
      providerRequestId: str(b.responseId),
      costUsd: price,
      meta: {
        finishReason,
        ...(usage ? { promptTokens: usage.promptTokenCount, outputTokens: usage.candidatesTokenCount } : {}),
      },
    };
  }

  /** Health: `GET /v1beta/models/{model}` (authenticated metadata read; free). */
  function health(signal: AbortSignal) {
    return timed(ctx, async () => {
      const res = await call(ctx, modelPath(defaultModel), { method: 'GET', headers, signal });
      const b = await body(ctx, res, signal);
      if (!res.ok) throw geminiHttpError(ctx, res, b);
      return { ok: true };
    });
  }

  return {
    name: 'gemini',
    models: [defaultModel],
    maxGarmentsPerCall: 2,
    categories: ['tops', 'bottoms', 'one-pieces', 'auto'],
    generate,
    health,
    estimateCostUsd: () => price,
  };
}
