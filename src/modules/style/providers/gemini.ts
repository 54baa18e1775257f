/**
 * The Gemini style analyser: one `generateContent` call with structured output — the selfie as a
 * face crop (≤ 768 px on its long side, JPEG: one to four 258-token tiles), the instructions, and
 * `responseSchema` (gemini-schema.ts) with `responseMimeType: application/json`, `temperature: 0`
 * and, on 2.5 Flash models, `thinkingBudget: 0` (thinking is billed as output and adds seconds).
 * The answer is parsed and validated against the same schema; invalid JSON, a schema violation, an
 * incomplete answer, a refusal, 429, 5xx or a timeout is a ProviderError, and the style router
 * falls back to the offline analyser. Cost from usageMetadata's tokens at the model's price.
 *
 * Privacy: the crop leaves for Google; on the free tier Google may use content to improve its
 * products (ai.google.dev pricing page), so a deployment must use a paid key for selfies.
 */
import Value from 'typebox/value';
import { ProviderError } from '../../../platform/providers/types.js';
import { jobError, trimBase, withDeadline, type FetchLike, type HttpContext } from '../../../platform/providers/http.js';
import { generateText, geminiHealth, inlinePart, type GeminiApi } from '../../../platform/providers/gemini-api.js';
import { loadSharp } from '../../../platform/images/sharp.js';
import type { TAnalysisKind } from '../../../../contracts/style.js';
import { geminiAnswerSchema, toGeminiSchema, type TGeminiAnswer } from './gemini-schema.js';
import { IncompleteAnswer, toAnswer } from './gemini-answer.js';
import type { AnalyserInput, AnalyserOutput, StyleAnalyser } from '../analyser/index.js';

/**
 * USD per million tokens (ai.google.dev/gemini-api/docs/pricing, paid tier, prompts ≤ 200k
 * tokens; thinking tokens are billed as output). A model not listed is priced as 2.5 Flash.
 */
export const GEMINI_STYLE_PRICES: Record<string, { inputPerM: number; outputPerM: number }> = {
  'gemini-2.5-flash': { inputPerM: 0.3, outputPerM: 2.5 },
  'gemini-2.5-flash-lite': { inputPerM: 0.1, outputPerM: 0.4 },
  'gemini-2.5-pro': { inputPerM: 1.25, outputPerM: 10 },
};
/** Tokens of a typical call, for the estimate before an answer: ≤ 4 image tiles + instructions and schema in, the JSON out. */
export const TYPICAL_TOKENS = { input: 1_600, output: 450 };
/** Bumped when the instructions or the schema change: part of the analyser's version, so of the cache key. */
export const PROMPT_VERSION = '1';
export const MAX_CROP_SIDE = 768;

export type GeminiStyleOptions = {
  apiKey: string;
  baseUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  /** PROBADOR_STYLE_GEMINI_MODEL. */
  model?: string | undefined;
  /** The call's own deadline (the router also times it out). */
  timeoutMs?: number | undefined;
};

const priceOf = (model: string) => GEMINI_STYLE_PRICES[model] ?? GEMINI_STYLE_PRICES['gemini-2.5-flash']!;
export const costUsd = (model: string, inTokens: number, outTokens: number) => {
  const p = priceOf(model);
  return Math.round(((inTokens * p.inputPerM + outTokens * p.outputPerM) / 1e6) * 1e8) / 1e8;
};

/** 2.5 Flash and Flash-Lite can turn thinking off; 2.5 Pro cannot (minimum 128), Gemini 3 takes thinkingLevel. */
const thinkingOff = (model: string) => (/^gemini-2\.5-flash/.test(model) ? { thinkingConfig: { thinkingBudget: 0 } } : {});

export function instructions(kinds: readonly TAnalysisKind[]): string {
  return [
    'You are a professional image consultant. Analyse the person in this selfie and answer only with JSON that follows the response schema.',
    kinds.includes('face') ? 'Face: score how well the face outline fits each of the seven shapes (0–1), and estimate the ratios and angles asked for, after correcting for head tilt.' : '',
    kinds.includes('color')
      ? 'Colour: judge the natural colouring under the light of the photo, allowing for its colour cast: undertone, depth, chroma, contrast between skin, hair and eyes, the 12-season type with the three most likely, and the axes. Give sRGB hex colours sampled from the cheeks (no highlights or shadows), the iris, the lips and the hair; null for what is not visible.'
      : '',
    'Quality: a score 0–1 for how far the photo can be trusted, and every issue from the list that applies (no face, several faces, turned head, blur, darkness, overexposure, uneven or coloured light, makeup or a filter, eyes or hair not visible), with severity error when that answer cannot be given from this photo; then set that answer to null.',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The largest face with a margin for hair and neck (or the whole photo without one), ≤ 768 px, JPEG. */
export async function faceCrop(input: AnalyserInput): Promise<{ bytes: Buffer; width: number; height: number }> {
  const sharp = await loadSharp();
  const { width: W, height: H } = input;
  const face = input.perception.faces.reduce<AnalyserInput['perception']['faces'][number] | undefined>((best, f) => (!best || f.box.width * f.box.height > best.box.width * best.box.height ? f : best), undefined);
  let img = sharp(input.bytes);
  if (face && face.box.width > 0 && face.box.height > 0) {
    const cx = face.box.x + face.box.width / 2;
    const cy = face.box.y + face.box.height * 0.4; // room above for the hair
    const w = face.box.width * 2;
    const h = face.box.height * 2.3;
    const left = Math.max(0, Math.floor(cx - w / 2));
    const top = Math.max(0, Math.floor(cy - h / 2));
    const right = Math.min(W, Math.ceil(cx + w / 2));
    const bottom = Math.min(H, Math.ceil(cy + h / 2));
    if (right - left >= 16 && bottom - top >= 16) img = img.extract({ left, top, width: right - left, height: bottom - top });
  }
  const { data, info } = await img
    .resize({ width: MAX_CROP_SIDE, height: MAX_CROP_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 90 })
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
}

export type GeminiStyleAnalyser = StyleAnalyser & {
  model: string;
  estimateCostUsd: () => number;
  health: (signal: AbortSignal) => Promise<{ ok: boolean; latencyMs: number; detail?: string | undefined }>;
};

export function createGeminiStyleAnalyser(opts: GeminiStyleOptions): GeminiStyleAnalyser {
  const base = trimBase(opts.baseUrl ?? 'https://generativelanguage.googleapis.com');
  const ctx: HttpContext = { provider: 'gemini', fetch: opts.fetch ?? globalThis.fetch, secrets: [opts.apiKey] };
  const api: GeminiApi = { ctx, base, apiKey: opts.apiKey };
  const model = opts.model ?? 'gemini-2.5-flash';
  const timeoutMs = opts.timeoutMs ?? 30_000;

  async function analyse(input: AnalyserInput, outer: AbortSignal): Promise<AnalyserOutput> {
    const kinds = input.kinds;
    if (kinds.length === 0) throw jobError(ctx, 'bad_input', 'no kind of analysis asked for');
    const signal = withDeadline(outer, timeoutMs);
    const crop = await faceCrop(input);
    const schema = geminiAnswerSchema(kinds);
    const out = await generateText(
      api,
      model,
      [inlinePart({ bytes: crop.bytes, contentType: 'image/jpeg' }), { text: instructions(kinds) }],
      { responseMimeType: 'application/json', responseSchema: toGeminiSchema(schema), temperature: 0, maxOutputTokens: 2048, ...thinkingOff(model) },
      signal,
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(out.text);
    } catch {
      throw jobError(ctx, 'server_error', 'the answer is not valid JSON', { providerCode: 'INVALID_JSON', retryable: false });
    }
    if (!Value.Check(schema, parsed)) {
      // The path of the first error only: the values may be a person's colours.
      const first = Value.Errors(schema, parsed)[0];
      throw jobError(ctx, 'server_error', `the answer does not follow the schema (at ${first?.instancePath || '/'}: ${first?.message ?? 'invalid'})`, { providerCode: 'SCHEMA_VIOLATION', retryable: false });
    }
    let answer: ReturnType<typeof toAnswer>;
    try {
      answer = toAnswer(parsed as TGeminiAnswer, kinds);
    } catch (e) {
      if (e instanceof IncompleteAnswer) throw jobError(ctx, 'server_error', `the answer is incomplete: ${e.message}`, { providerCode: 'INCOMPLETE', retryable: false });
      throw e;
    }
    const usage = out.usage;
    const cost = usage ? costUsd(model, usage.promptTokens, usage.outputTokens + usage.thoughtsTokens) : costUsd(model, TYPICAL_TOKENS.input, TYPICAL_TOKENS.output);
    return { ...answer, costUsd: cost, model: out.model };
  }

  return {
    name: 'gemini',
    version: `${PROMPT_VERSION}:${model}`,
    model,
    analyse: async (input, signal) => {
      try {
        return await analyse(input, signal);
      } catch (e) {
        if (e instanceof ProviderError) throw e;
        // sharp failing on the crop, or anything unexpected: still a provider failure, so the router falls back.
        throw new ProviderError('gemini', 'unknown', `gemini: ${(e as Error).message ?? String(e)}`.slice(0, 300), { cause: e, retryable: false });
      }
    },
    estimateCostUsd: () => costUsd(model, TYPICAL_TOKENS.input, TYPICAL_TOKENS.output),
    health: (signal) => geminiHealth(api, model, signal),
  };
}
