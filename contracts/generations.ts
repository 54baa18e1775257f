/**
 * Image generation from a prompt (`/v1/generations`), and the older Tryon Backend's request and
 * envelope (`/generate`, `/metrics`), served as a compatibility layer. Pure TypeBox, no server imports.
 */
import Type, { type Static } from 'typebox';
import { NullableTimestamp, StringEnum, Timestamp } from './common.js';

export const GENERATION_ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
export const GENERATION_PROVIDER_NAMES = ['gemini', 'fal'] as const;
/** Each side of a requested size, in pixels; and the most elongated shape accepted (width:height or height:width). */
export const SIZE_LIMITS = { min: 256, max: 4096, maxRatio: 3 } as const;

export const GenerationStatus = StringEnum(['queued', 'processing', 'succeeded', 'failed', 'canceled', 'expired'] as const);

const ImageRef = Type.String({ minLength: 1, maxLength: 20_000_000, description: 'An upload id (upl_…), a data URL (data:image/…;base64,…) or an https URL' });
const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), { maxProperties: 20, description: 'Up to 20 string pairs, returned as given' });
const Prompt = Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S', description: 'What to make, 1–4000 characters (not only spaces); passed to the model as given' });
export const GenerationSize = Type.Object(
  {
    width: Type.Integer({ minimum: SIZE_LIMITS.min, maximum: SIZE_LIMITS.max }),
    height: Type.Integer({ minimum: SIZE_LIMITS.min, maximum: SIZE_LIMITS.max }),
  },
  { additionalProperties: false, description: `Pixels, ${SIZE_LIMITS.min}–${SIZE_LIMITS.max} a side, at most ${SIZE_LIMITS.maxRatio}:1 either way` },
);
const Model = Type.String({ pattern: '^[a-z0-9][a-z0-9./-]{0,99}$', description: 'A model of the provider (GET /openapi.json lists none: see docs/architecture.md, Generations)' });

export const CreateGenerationBody = Type.Object(
  {
    prompt: Prompt,
    reference_images: Type.Optional(Type.Array(ImageRef, { maxItems: 3, description: '0–3 images the model works from (a product, a style, a person)' })),
    size: Type.Optional(GenerationSize),
    aspect_ratio: Type.Optional(StringEnum(GENERATION_ASPECT_RATIOS, { description: 'Instead of `size`: the shape, at about 1024 px on the longer side' })),
    provider: Type.Optional(StringEnum(GENERATION_PROVIDER_NAMES, { description: 'Only this provider (no fallback); default: the configured order' })),
    model: Type.Optional(Model),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
    cache: Type.Optional(Type.Boolean({ description: 'false: always generate anew (default true: the same request returns the stored result)' })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type TCreateGenerationBody = Static<typeof CreateGenerationBody>;

const Attempt = Type.Object({
  provider: Type.String(),
  model: Type.Union([Type.String(), Type.Null()]),
  hedged: Type.Boolean(),
  outcome: Type.String(),
  error_class: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Integer(),
  cost_usd: Type.Number(),
  started_at: Timestamp,
});

export const Generation = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('generation'),
    status: GenerationStatus,
    stage: Type.Union([Type.String(), Type.Null()]),
    prompt: Type.String(),
    reference_images: Type.Array(Type.Object({ upload_id: Type.String() })),
    size: Type.Object({ width: Type.Integer(), height: Type.Integer() }),
    aspect_ratio: Type.String(),
    provider: Type.Union([Type.String(), Type.Null()]),
    model: Type.Union([Type.String(), Type.Null()]),
    requested_provider: Type.Union([Type.String(), Type.Null()]),
    requested_model: Type.Union([Type.String(), Type.Null()]),
    seed: Type.Union([Type.Integer(), Type.Null()]),
    cached: Type.Boolean(),
    result: Type.Union([
      Type.Object({
        url: Type.String({ description: 'Short-lived signed URL' }),
        url_expires_at: Timestamp,
        content_type: Type.String(),
        width: Type.Integer(),
        height: Type.Integer(),
        bytes: Type.Integer(),
        meta: Type.Record(Type.String(), Type.Unknown()),
      }),
      Type.Null(),
    ]),
    timings: Type.Object({ queued_ms: Type.Union([Type.Integer(), Type.Null()]), provider_ms: Type.Union([Type.Integer(), Type.Null()]), total_ms: Type.Union([Type.Integer(), Type.Null()]) }),
    attempts_count: Type.Integer(),
    attempts: Type.Optional(Type.Array(Attempt)),
    cost_usd: Type.Number(),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
    metadata: Type.Record(Type.String(), Type.String()),
    created_at: Timestamp,
    started_at: NullableTimestamp,
    finished_at: NullableTimestamp,
    expires_at: NullableTimestamp,
  },
  { $id: 'Generation' },
);
export type TGeneration = Static<typeof Generation>;

export const ListGenerationsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(GenerationStatus),
});

// ---- The older Tryon Backend (compatibility layer: modules/generation/compat) ----

/** `service` values of the older API and the provider each now means. */
export const LEGACY_SERVICES = { banana: 'gemini', 'nano-banana': 'gemini', gemini: 'gemini', google: 'gemini', fal: 'fal' } as const;
/** `model` values of the older API and the model each now means (any model of ours is accepted too). */
export const LEGACY_MODELS = {
  'nano-banana': 'gemini-2.5-flash-image',
  'nano-banana-pro': 'gemini-3-pro-image-preview',
  'fal-nano-banana': 'fal-ai/nano-banana',
  'flux-dev': 'fal-ai/flux/dev',
} as const;

const LegacyDimension = Type.Integer({ minimum: SIZE_LIMITS.min, maximum: SIZE_LIMITS.max });
const LegacyImages = Type.Array(ImageRef, { maxItems: 3 });

/**
 * The older `POST /generate` body. Strict about the types of the fields it knows; other fields an
 * older client sends are ignored (it may not know they no longer mean anything).
 */
export const LegacyGenerateBody = Type.Object({
  prompt: Prompt,
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  width: Type.Optional(LegacyDimension),
  height: Type.Optional(LegacyDimension),
  referenceImages: Type.Optional(LegacyImages),
  reference_images: Type.Optional(LegacyImages),
  images: Type.Optional(LegacyImages),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
});
export type TLegacyGenerateBody = Static<typeof LegacyGenerateBody>;

/** `{success, data, error, timestamp}`: every answer of the older API, errors included. */
export const LegacyEnvelope = Type.Object({
  success: Type.Boolean(),
  data: Type.Unknown(),
  error: Type.Union([Type.String(), Type.Null()]),
  timestamp: Timestamp,
});
