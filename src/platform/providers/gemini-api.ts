/**
 * Gemini image generation ("Nano Banana" models) through `generateContent`
 * (ai.google.dev/api/generate-content), synchronous:
 *   POST {base}/v1beta/models/{model}:generateContent   header `x-goog-api-key`
 *   body {contents: [{role: 'user', parts: [{text}, {inlineData: {mimeType, data}} …]}],
 *         generationConfig: {responseModalities: ['TEXT', 'IMAGE'], imageConfig: {aspectRatio, imageSize?}, seed?}}
 *   GET  {base}/v1beta/models/{model}   (health)
 * The image comes back in `candidates[0].content.parts[].inlineData` (REST answers camelCase;
 * `inline_data` is accepted too). `promptFeedback.blockReason`, a safety finishReason or a
 * text-only reply mean a refusal → content_policy. Errors `{error: {code, message, status,
 * details}}`: a wrong key is 400 INVALID_ARGUMENT with reason API_KEY_INVALID (→ auth);
 * 429 RESOURCE_EXHAUSTED carries RetryInfo.retryDelay. No cancel endpoint: an abort drops the
 * request. Used by the try-on adapter and the generation adapter, which build their own prompts
 * (`generateImage`), and by the style adapter's structured output (`generateText`).
 */
import type { ImageContentType, ProgressEvent, ProviderErrorClass } from './types.js';
import { body, call, httpError, isRecord, jobError, sniffContentType, str, timed, type HttpContext } from './http.js';

const REFUSALS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']);
/** The aspect ratios `imageConfig.aspectRatio` accepts. */
export const GEMINI_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;

/** The supported aspect ratio closest to width/height (by the log of the ratio). */
export function nearestAspectRatio(width: number, height: number, ratios: readonly string[] = GEMINI_ASPECT_RATIOS): string {
  if (!(width > 0 && height > 0)) return '3:4';
  const target = Math.log(width / height);
  let best: string = ratios[0]!;
  let bestDist = Infinity;
  for (const r of ratios) {
    const [w, h] = r.split(':').map(Number) as [number, number];
    const d = Math.abs(Math.log(w / h) - target);
    if (d < bestDist) [best, bestDist] = [r, d];
  }
  return best;
}

export function geminiHttpError(ctx: HttpContext, res: Response, b: unknown) {
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

export type GeminiApi = { ctx: HttpContext; base: string; apiKey: string };

export type GeminiPart = { text: string } | { inlineData: { mimeType: string; data: string } };

/** An image as an inline part (base64 in the request: Gemini fetches no URLs). */
export const inlinePart = (img: { bytes: Buffer; contentType: string }): GeminiPart => ({ inlineData: { mimeType: img.contentType, data: img.bytes.toString('base64') } });

export type GeminiImage = {
  bytes: Buffer;
  contentType: ImageContentType;
  model: string;
  responseId: string | undefined;
  finishReason: string | undefined;
  /** Text parts that came with the image (a caption, rarely useful). */
  text: string;
  usage: { promptTokens: unknown; outputTokens: unknown } | undefined;
};

const modelPath = (api: GeminiApi, m: string) => `${api.base}/v1beta/models/${encodeURIComponent(m)}`;

type Answer = { b: Record<string, unknown>; finishReason: string | undefined; parts: Record<string, unknown>[]; text: string };

/** POST generateContent; HTTP errors and a blocked prompt become ProviderErrors; the first candidate's parts are returned. */
async function postGenerateContent(api: GeminiApi, model: string, payload: unknown, signal: AbortSignal): Promise<Answer> {
  const { ctx } = api;
  const res = await call(ctx, `${modelPath(api, model)}:generateContent`, {
    method: 'POST',
    headers: { 'x-goog-api-key': api.apiKey, 'Content-Type': 'application/json' },
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
  // Thought summaries (`thought: true`) are not the answer.
  const text = parts
    .filter((p) => p.thought !== true)
    .map((p) => str(p.text))
    .filter(Boolean)
    .join('');
  return { b, finishReason, parts, text };
}

const usageOf = (b: Record<string, unknown>) => {
  const usage = isRecord(b.usageMetadata) ? b.usageMetadata : undefined;
  return usage ? { promptTokens: usage.promptTokenCount, outputTokens: usage.candidatesTokenCount, thoughtsTokens: usage.thoughtsTokenCount } : undefined;
};

/** One `generateContent` call that must answer with an image; refusals and text-only answers are content_policy errors. */
export async function generateImage(
  api: GeminiApi,
  model: string,
  parts: GeminiPart[],
  generationConfig: Record<string, unknown>,
  signal: AbortSignal,
  onProgress?: (e: ProgressEvent) => void,
): Promise<GeminiImage> {
  const { ctx } = api;
  const payload = { contents: [{ role: 'user', parts }], generationConfig: { responseModalities: ['TEXT', 'IMAGE'], ...generationConfig } };
  onProgress?.({ stage: 'submitted' });
  onProgress?.({ stage: 'processing' });
  const { b, finishReason, parts: outParts } = await postGenerateContent(api, model, payload, signal);
  const image = outParts.map((p) => (isRecord(p.inlineData) ? p.inlineData : isRecord(p.inline_data) ? p.inline_data : undefined)).find((d) => d && str(d.data));
  const text = outParts.map((p) => str(p.text)).filter(Boolean).join(' ');
  if (!image) {
    if (finishReason && REFUSALS.has(finishReason)) throw jobError(ctx, 'content_policy', `the model refused (${finishReason})`, { providerCode: finishReason });
    if (finishReason && finishReason !== 'STOP') throw jobError(ctx, 'server_error', `no image was produced (${finishReason})`, { providerCode: finishReason, retryable: false });
    throw jobError(ctx, 'content_policy', `the model answered with text only${text ? `: ${text.slice(0, 160)}` : ''}`, { providerCode: 'TEXT_ONLY' });
  }
  const bytes = Buffer.from(str(image.data)!, 'base64');
  const contentType = sniffContentType(bytes);
  if (!contentType) throw jobError(ctx, 'server_error', `the model returned ${str(image.mimeType) ?? str(image.mime_type) ?? 'an unknown type'}, not a JPEG, PNG or WebP image`);
  const usage = usageOf(b);
  return {
    bytes,
    contentType,
    model: str(b.modelVersion) ?? model,
    responseId: str(b.responseId),
    finishReason,
    text,
    usage: usage ? { promptTokens: usage.promptTokens, outputTokens: usage.outputTokens } : undefined,
  };
}

export type GeminiText = {
  text: string;
  model: string;
  responseId: string | undefined;
  finishReason: string | undefined;
  /** Token counts from usageMetadata (thinking tokens are billed as output). */
  usage: { promptTokens: number; outputTokens: number; thoughtsTokens: number } | undefined;
};

const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/**
 * One `generateContent` call that must answer with text, e.g. structured output
 * (`responseMimeType: 'application/json'` + `responseSchema` in `generationConfig`): a blocked
 * prompt or a safety finishReason → content_policy; an answer cut short (MAX_TOKENS…) or with no
 * text → server_error, not retried (the same request would end the same way). The text is
 * returned as is: the caller parses and validates it.
 */
export async function generateText(api: GeminiApi, model: string, parts: GeminiPart[], generationConfig: Record<string, unknown>, signal: AbortSignal): Promise<GeminiText> {
  const { ctx } = api;
  const { b, finishReason, text } = await postGenerateContent(api, model, { contents: [{ role: 'user', parts }], generationConfig }, signal);
  if (finishReason && REFUSALS.has(finishReason)) throw jobError(ctx, 'content_policy', `the model refused (${finishReason})`, { providerCode: finishReason });
  if (finishReason && finishReason !== 'STOP') throw jobError(ctx, 'server_error', `the answer is incomplete (${finishReason})`, { providerCode: finishReason, retryable: false });
  if (!text) throw jobError(ctx, 'server_error', 'the model gave no answer', { providerCode: 'EMPTY', retryable: false });
  const usage = usageOf(b);
  return {
    text,
    model: str(b.modelVersion) ?? model,
    responseId: str(b.responseId),
    finishReason,
    usage: usage ? { promptTokens: count(usage.promptTokens), outputTokens: count(usage.outputTokens), thoughtsTokens: count(usage.thoughtsTokens) } : undefined,
  };
}

/** Health: `GET /v1beta/models/{model}` (authenticated metadata read; free). */
export function geminiHealth(api: GeminiApi, model: string, signal: AbortSignal) {
  return timed(api.ctx, async () => {
    const res = await call(api.ctx, modelPath(api, model), { method: 'GET', headers: { 'x-goog-api-key': api.apiKey }, signal });
    const b = await body(api.ctx, res, signal);
    if (!res.ok) throw geminiHttpError(api.ctx, res, b);
    return { ok: true };
  });
}
