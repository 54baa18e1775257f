/**
 * The older Tryon Backend's request and record, field by field (docs/compat/tryon-backend.md):
 *
 *   POST /generate body            → POST /v1/generations body
 *   prompt                         → prompt
 *   service  banana | nano-banana | gemini | google → provider gemini;  fal → provider fal
 *   model    nano-banana → gemini-2.5-flash-image, nano-banana-pro → gemini-3-pro-image-preview,
 *            fal-nano-banana → fal-ai/nano-banana, flux-dev → fal-ai/flux/dev; any model of ours as is
 *   width, height                  → size {width, height} (one given: a square)
 *   referenceImages | reference_images | images → reference_images (0–3)
 *   seed                           → seed
 *
 * The record (`data`) is the Generation row of its Prisma schema (id, clientId, model, status
 * "success" | "error", durationMs, imageUrl, error, createdAt) plus the request's fields and what
 * the platform adds (queued/processing while it runs, a signed imageUrl with its expiry).
 */
import { AppError } from '../../../platform/errors.js';
import { LEGACY_MODELS, LEGACY_SERVICES, type TCreateGenerationBody, type TGeneration, type TLegacyGenerateBody } from '../../../../contracts/generations.js';

const VIDEO_SERVICES = new Set(['veo', 'veo3', 'veo-3']);
const TRYON_MODELS = /try-?on/i;

export function toGenerationBody(b: TLegacyGenerateBody): TCreateGenerationBody {
  const given = [b.referenceImages, b.reference_images, b.images].filter((x) => x !== undefined);
  if (given.length > 1) throw new AppError('VALIDATION_FAILED', 'Send the reference images in one field: referenceImages, reference_images or images.');
  let provider: 'gemini' | 'fal' | undefined;
  if (b.service !== undefined) {
    const s = b.service.trim().toLowerCase();
    if (VIDEO_SERVICES.has(s)) throw new AppError('VALIDATION_FAILED', `Service ${b.service} (video) is not available here; image services: ${Object.keys(LEGACY_SERVICES).join(', ')}.`);
    provider = LEGACY_SERVICES[s as keyof typeof LEGACY_SERVICES];
    if (!provider) throw new AppError('VALIDATION_FAILED', `Unknown service ${b.service}; use one of ${Object.keys(LEGACY_SERVICES).join(', ')}.`);
  }
  let model: string | undefined;
  if (b.model !== undefined) {
    const m = b.model.trim();
    if (TRYON_MODELS.test(m)) throw new AppError('VALIDATION_FAILED', `Model ${b.model} is a try-on model: try-ons are made with POST /v1/tryons (a person photo and garments).`);
    model = LEGACY_MODELS[m as keyof typeof LEGACY_MODELS] ?? m;
  }
  const width = b.width ?? b.height;
  const height = b.height ?? b.width;
  const refs = given[0];
  return {
    prompt: b.prompt,
    ...(refs && refs.length > 0 ? { reference_images: refs } : {}),
    ...(width !== undefined && height !== undefined ? { size: { width, height } } : {}),
    ...(provider ? { provider } : {}),
    ...(model ? { model } : {}),
    ...(b.seed !== undefined ? { seed: b.seed } : {}),
  };
}

const LEGACY_STATUS: Record<TGeneration['status'], string> = {
  queued: 'queued',
  processing: 'processing',
  succeeded: 'success',
  failed: 'error',
  canceled: 'canceled',
  expired: 'expired',
};
/** The older `service` name of a provider. */
const LEGACY_SERVICE_OF: Record<string, string> = { gemini: 'banana', fal: 'fal' };

export function legacyRecord(g: TGeneration, tenantId: string) {
  const provider = g.provider ?? g.requested_provider;
  return {
    id: g.id,
    clientId: tenantId,
    prompt: g.prompt,
    service: provider ? (LEGACY_SERVICE_OF[provider] ?? provider) : null,
    provider,
    model: g.model ?? g.requested_model,
    width: g.size.width,
    height: g.size.height,
    status: LEGACY_STATUS[g.status],
    imageUrl: g.result?.url ?? null,
    imageUrlExpiresAt: g.result?.url_expires_at ?? null,
    imageWidth: g.result?.width ?? null,
    imageHeight: g.result?.height ?? null,
    error: g.error?.message ?? null,
    errorCode: g.error?.code ?? null,
    durationMs: g.timings.total_ms,
    providerDurationMs: g.timings.provider_ms,
    cached: g.cached,
    costUsd: g.cost_usd,
    createdAt: g.created_at,
    completedAt: g.finished_at,
  };
}
