/**
 * A fake Gemini API (generativelanguage, v1beta): `POST /v1beta/models/{model}:generateContent`
 * and `GET /v1beta/models/{model}`, key in `x-goog-api-key`. Answers in the REST shape (camelCase
 * `inlineData`, or snake_case `inline_data` when `snakeCase` is on). A wrong key is answered like
 * Google does: 400 INVALID_ARGUMENT with an ErrorInfo reason API_KEY_INVALID. 429 carries
 * RetryInfo.retryDelay. Scenario `provider_error` codes: `blockReason` (prompt blocked), any
 * finishReason (e.g. IMAGE_SAFETY, NO_IMAGE), or `TEXT_ONLY` (a refusal in words).
 * `slow` never answers; `hold` (a promise) holds every generateContent call until it settles;
 * `disconnects` counts requests the client dropped. The image settings are
 * checked as documented: `imageConfig.aspectRatio` one of the supported ratios, `imageSize` one of
 * 1K, 2K, 4K (else 400 INVALID_ARGUMENT); the text part and inline images are recorded in `requests`.
 *
 * Structured output (a request with `generationConfig.responseMimeType: application/json`): the
 * answer is `jsonAnswer` as the candidate's text part, finishReason STOP, with usageMetadata
 * (thoughtsTokenCount too unless `thinkingConfig.thinkingBudget` is 0). `responseSchema` is
 * checked as generateContent does: only the Schema object's documented fields, types among
 * STRING, NUMBER, INTEGER, BOOLEAN, ARRAY, OBJECT (either case), and it needs the JSON MIME type
 * (else 400 INVALID_ARGUMENT). Extra `provider_error` codes for such requests: `INVALID_JSON`
 * (text that is not JSON), `SCHEMA_VIOLATION` (JSON that does not follow the schema),
 * `MAX_TOKENS` (the JSON cut short), and any refusal finishReason (e.g. SAFETY).
 */
import type { ServerResponse } from 'node:http';
import { fakeId, sendJson, startFake, TINY_PNG, type FakeBase, type FakeScenario } from './fake-server.js';

export type FakeGemini = FakeBase & {
  apiKey: string;
  outputImage: Buffer;
  snakeCase: boolean;
  disconnects: number;
  models: string[];
  jsonAnswer: unknown;
  /** While set, generateContent calls wait for it before answering (a test holds a job in flight, e.g. to watch its events). */
  hold: Promise<void> | null;
};

/** The fields of generateContent's Schema object (ai.google.dev/api/caching#Schema). */
const SCHEMA_FIELDS = new Set(['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum']);
const SCHEMA_TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);

/** The first thing generateContent would refuse in a responseSchema, or undefined. */
function schemaProblem(node: unknown, path: string): string | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return `Invalid value at '${path}'`;
  const n = node as Record<string, unknown>;
  for (const k of Object.keys(n)) if (!SCHEMA_FIELDS.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at '${path}': Cannot find field.`;
  if (n.type !== undefined && !SCHEMA_TYPES.has(String(n.type).toUpperCase())) return `Invalid value at '${path}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "${String(n.type)}"`;
  if (n.enum !== undefined && (!Array.isArray(n.enum) || n.enum.some((e) => typeof e !== 'string'))) return `Invalid value at '${path}.enum'`;
  for (const [k, v] of Object.entries((n.properties ?? {}) as Record<string, unknown>)) {
    const p = schemaProblem(v, `${path}.properties[${k}].value`);
    if (p) return p;
  }
  if (n.items !== undefined) return schemaProblem(n.items, `${path}.items`);
  for (const [i, v] of ((n.anyOf ?? []) as unknown[]).entries()) {
    const p = schemaProblem(v, `${path}.any_of[${i}]`);
    if (p) return p;
  }
  return undefined;
}

/** A complete, valid style answer (face and colour): the default `jsonAnswer`. */
export const SAMPLE_STYLE_ANSWER = {
  face: {
    shape_scores: { oval: 0.62, round: 0.1, square: 0.05, heart: 0.12, oblong: 0.08, diamond: 0.02, triangle: 0.01 },
    measurements: { length_to_cheek: 1.42, forehead_to_cheek: 0.93, jaw_to_cheek: 0.81, jaw_angle_deg: 128, chin_angle_deg: 112, roll_deg: 2 },
  },
  color: {
    undertone: 'warm',
    depth: 'medium',
    chroma: 'medium',
    contrast: 'medium',
    season12: 'true_autumn',
    top3: ['true_autumn', 'soft_autumn', 'deep_autumn'],
    axes: { temperature: 0.8, value: 0.42, chroma: 0.38 },
    measured: { skin: '#C8A080', eyes: '#5a3b22', lips: '#b0605a', hair: '#3b2a1e' },
  },
  quality: { score: 0.9, issues: [{ code: 'uneven_light', severity: 'warning', affects: ['color'] }] },
};

const googleError = (code: number, status: string, message: string, details: unknown[] = []) => ({ error: { code, message, status, ...(details.length ? { details } : {}) } });

export async function startFakeGemini(opts: { apiKey?: string; outputImage?: Buffer } = {}): Promise<FakeGemini> {
  // eslint-disable-next-line prefer-const -- assigned once the server is up; the routes run later
  let fake: FakeGemini & { nextScenario: () => FakeScenario };

  function answerJson(res: ServerResponse, model: string, scenario: FakeScenario, thinking: boolean) {
    const usageMetadata = { promptTokenCount: 1310, candidatesTokenCount: 402, ...(thinking ? { thoughtsTokenCount: 611 } : {}), totalTokenCount: thinking ? 2323 : 1712 };
    const reply = (text: string | undefined, finishReason: string) =>
      sendJson(res, 200, {
        candidates: [{ content: { role: 'model', parts: text === undefined ? [] : [{ text }] }, finishReason, index: 0 }],
        usageMetadata,
        modelVersion: model,
        responseId: fakeId('resp-'),
      });
    const json = JSON.stringify(fake.jsonAnswer);
    if (scenario.kind === 'provider_error') {
      const code = scenario.code ?? 'SAFETY';
      if (code === 'blockReason') return sendJson(res, 200, { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata, modelVersion: model });
      if (code === 'INVALID_JSON') return reply(`Here is the analysis: ${json.slice(0, 40)}`, 'STOP');
      if (code === 'SCHEMA_VIOLATION') return reply(JSON.stringify({ face: { shape: 'egg' }, quality: { score: 3, issues: 'none' } }), 'STOP');
      if (code === 'MAX_TOKENS') return reply(json.slice(0, Math.floor(json.length / 2)), 'MAX_TOKENS');
      return reply(undefined, code);
    }
    reply(json, 'STOP');
  }

  function answer(res: ServerResponse, model: string, scenario: FakeScenario) {
    const usageMetadata = { promptTokenCount: 560, candidatesTokenCount: 1290, totalTokenCount: 1850 };
    const reply = (candidate: unknown, extra: Record<string, unknown> = {}) =>
      sendJson(res, 200, { candidates: [candidate], usageMetadata, modelVersion: model, responseId: fakeId('resp-'), ...extra });
    if (scenario.kind === 'provider_error') {
      const code = scenario.code ?? 'IMAGE_SAFETY';
      if (code === 'blockReason') return sendJson(res, 200, { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata, modelVersion: model });
      if (code === 'TEXT_ONLY') {
        return reply({ content: { role: 'model', parts: [{ text: scenario.message ?? "I can't help with editing this image." }] }, finishReason: 'STOP', index: 0 });
      }
      return reply({ content: { role: 'model', parts: [] }, finishReason: code, index: 0 });
    }
    const data = fake.outputImage.toString('base64');
    const imagePart = fake.snakeCase ? { inline_data: { mime_type: 'image/png', data } } : { inlineData: { mimeType: 'image/png', data } };
    reply({ content: { role: 'model', parts: [{ text: 'Here is the try-on result.' }, imagePart] }, finishReason: 'STOP', index: 0 });
  }

  const base = await startFake(async (req, res) => {
    if (fake.hold && req.method === 'POST') await fake.hold;
    if (req.headers['x-goog-api-key'] !== fake.apiKey) {
      return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      ]));
    }
    const m = /^\/v1beta\/models\/([^/:]+)(:generateContent)?$/.exec(req.path);
    if (!m || !fake.models.includes(m[1]!)) return sendJson(res, 404, googleError(404, 'NOT_FOUND', `models/${m?.[1] ?? '?'} is not found for API version v1beta`));
    const model = m[1]!;
    if (!m[2] && req.method === 'GET') {
      return sendJson(res, 200, { name: `models/${model}`, displayName: 'Nano Banana', inputTokenLimit: 32768, outputTokenLimit: 32768, supportedGenerationMethods: ['generateContent', 'countTokens'] });
    }
    if (!m[2] || req.method !== 'POST') return sendJson(res, 405, googleError(405, 'METHOD_NOT_ALLOWED', 'Method not allowed'));
    const config = ((req.body ?? {}) as { generationConfig?: { imageConfig?: { aspectRatio?: unknown; imageSize?: unknown } } }).generationConfig?.imageConfig ?? {};
    const RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
    if (config.aspectRatio !== undefined && !RATIOS.includes(String(config.aspectRatio))) {
      return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', `Unsupported aspect ratio: ${String(config.aspectRatio)}`));
    }
    if (config.imageSize !== undefined && !['1K', '2K', '4K'].includes(String(config.imageSize))) {
      return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', `Unsupported image size: ${String(config.imageSize)}`));
    }
    const generationConfig = ((req.body ?? {}) as { generationConfig?: Record<string, unknown> }).generationConfig ?? {};
    const wantsJson = generationConfig.responseMimeType === 'application/json';
    if (generationConfig.responseSchema !== undefined) {
      if (!wantsJson) return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'response_schema is only supported with response_mime_type application/json (or text/x.enum).'));
      const problem = schemaProblem(generationConfig.responseSchema, 'generation_config.response_schema');
      if (problem) return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', problem));
    }
    const thinking = (generationConfig.thinkingConfig as { thinkingBudget?: unknown } | undefined)?.thinkingBudget !== 0;
    const scenario = fake.nextScenario();
    if (scenario.kind === 'rate_limited') {
      return sendJson(res, 429, googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${scenario.retryAfterSeconds}s` },
      ]));
    }
    if (scenario.kind === 'server_error') {
      return scenario.status === 503
        ? sendJson(res, 503, googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'))
        : sendJson(res, scenario.status, googleError(scenario.status, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'));
    }
    if (scenario.kind === 'slow') {
      res.on('close', () => {
        if (!res.writableEnded) fake.disconnects += 1;
      });
      return;
    }
    if (wantsJson) return scenario.kind === 'queued' ? void setTimeout(() => answerJson(res, model, scenario, thinking), 30) : answerJson(res, model, scenario, thinking);
    if (scenario.kind === 'queued') return void setTimeout(() => answer(res, model, scenario), 30);
    answer(res, model, scenario);
  }, new Map());

  fake = Object.assign(base, { apiKey: opts.apiKey ?? 'AIza-test-key', outputImage: opts.outputImage ?? TINY_PNG, snakeCase: false, disconnects: 0, models: ['gemini-2.5-flash-image', 'gemini-3-pro-image-preview', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'], jsonAnswer: structuredClone(SAMPLE_STYLE_ANSWER), hold: null });
  return fake;
}
