/**
 * A fake Gemini API (generativelanguage, v1beta): `POST /v1beta/models/{model}:generateContent`
 * and `GET /v1beta/models/{model}`, key in `x-goog-api-key`. Answers in the REST shape (camelCase
 * `inlineData`, or snake_case `inline_data` when `snakeCase` is on). A wrong key is answered like
 * Google does: 400 INVALID_ARGUMENT with an ErrorInfo reason API_KEY_INVALID. 429 carries
 * RetryInfo.retryDelay. Scenario `provider_error` codes: `blockReason` (prompt blocked), any
 * finishReason (e.g. IMAGE_SAFETY, NO_IMAGE), or `TEXT_ONLY` (a refusal in words).
 * `slow` never answers; `disconnects` counts requests the client dropped. The image settings are
 * checked as documented: `imageConfig.aspectRatio` one of the supported ratios, `imageSize` one of
 * 1K, 2K, 4K (else 400 INVALID_ARGUMENT); the text part and inline images are recorded in `requests`.
 */
import type { ServerResponse } from 'node:http';
import { fakeId, sendJson, startFake, TINY_PNG, type FakeBase, type FakeScenario } from './fake-server.js';

export type FakeGemini = FakeBase & { apiKey: string; outputImage: Buffer; snakeCase: boolean; disconnects: number; models: string[] };

const googleError = (code: number, status: string, message: string, details: unknown[] = []) => ({ error: { code, message, status, ...(details.length ? { details } : {}) } });

export async function startFakeGemini(opts: { apiKey?: string; outputImage?: Buffer } = {}): Promise<FakeGemini> {
  // eslint-disable-next-line prefer-const -- assigned once the server is up; the routes run later
  let fake: FakeGemini & { nextScenario: () => FakeScenario };

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

  const base = await startFake((req, res) => {
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
    if (scenario.kind === 'queued') return void setTimeout(() => answer(res, model, scenario), 30);
    answer(res, model, scenario);
  }, new Map());

  fake = Object.assign(base, { apiKey: opts.apiKey ?? 'AIza-test-key', outputImage: opts.outputImage ?? TINY_PNG, snakeCase: false, disconnects: 0, models: ['gemini-2.5-flash-image', 'gemini-3-pro-image-preview'] });
  return fake;
}
