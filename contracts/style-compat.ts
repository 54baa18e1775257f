/**
 * The older Synthia Style API (FastAPI) as its React frontend calls it, served over the style
 * module (`/api/v1/...`, src/modules/style/compat, docs/compat/style-api.md): its request bodies
 * and its flat, snake_case answers. The new API's shapes are in style.ts.
 */
import Type, { type Static, type TSchema } from 'typebox';
import { FACE_SHAPES, RETAKE_CODES, SEASONS_12, SEASONS_4, UNDERTONES } from './style.js';
import { FEEDBACK_COMMENT_MAX, FEELS_RIGHT } from './style-feedback.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Hex = Type.String({ pattern: '^#[0-9a-f]{6}$' });

/**
 * A JSON analysis request: the photo as base64 (with or without a `data:` prefix) in `image` or
 * `image_data` (the older names), or an upload id / https URL in `image`. Fields the older
 * frontend sent that mean nothing here are ignored; the ones read are checked by type.
 */
export const CompatAnalyzeBody = Type.Object(
  {
    image: Type.Optional(Type.String({ minLength: 1 })),
    image_data: Type.Optional(Type.String({ minLength: 1 })),
    /** Colour quiz answers (chromatic analysis only): `{question: option}` or `[{question, option}]`. */
    answers: Type.Optional(
      Type.Union([
        Type.Record(Type.String({ maxLength: 64 }), Type.String({ minLength: 1, maxLength: 64 })),
        Type.Array(Type.Object({ question: Type.String({ minLength: 1, maxLength: 64 }), option: Type.String({ minLength: 1, maxLength: 64 }) }), { minItems: 1, maxItems: 50 }),
      ]),
    ),
    shopper_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    user_id: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Integer()])),
  },
  { additionalProperties: true },
);
export type TCompatAnalyzeBody = Static<typeof CompatAnalyzeBody>;

export const CompatQuery = Type.Object({
  /** Language of the advice texts: `es` or `en` (default: the Accept-Language header's, else English). */
  lang: Type.Optional(Type.Enum(['en', 'es'])),
});

const CompatQuality = Type.Object({
  score: Type.Number(),
  retake: Type.Boolean(),
  issues: Type.Array(Type.Object({ code: Type.Enum(RETAKE_CODES), severity: Type.Enum(['error', 'warning']), message: Type.String(), tip: Type.String() })),
});

const Common = {
  success: Type.Boolean(),
  /** The analysis behind the answer in the new API: `sta_…` (GET /v1/style/analyses/:id with a secret key) or `qzr_…` for a quiz. */
  analysis_id: Type.String(),
  /** sha256 of the stored photo (hex): the key of its cache entries, for /api/v1/cache/invalidate/analysis/:image_hash. Null for a quiz. */
  image_hash: Nullable(Type.String()),
  provider: Type.Enum(['local', 'gemini', 'quiz']),
  cached: Type.Boolean(),
  processing_time: Type.Number({ description: 'seconds' }),
  timestamp: Timestamp,
};

export const CompatFacialAnalysis = Type.Object({
  ...Common,
  face_shape: Nullable(Type.Enum(FACE_SHAPES)),
  confidence: Nullable(Type.Number()),
  alternatives: Type.Array(Type.Object({ shape: Type.Enum(FACE_SHAPES), score: Type.Number() })),
  measurements: Nullable(
    Type.Object({ length_to_cheek: Type.Number(), forehead_to_cheek: Type.Number(), jaw_to_cheek: Type.Number(), jaw_angle_deg: Type.Number(), chin_angle_deg: Type.Number() }),
  ),
  recommendations: Type.Object({ hairstyles: Type.Array(Type.String()), glasses: Type.Array(Type.String()), necklines: Type.Array(Type.String()), avoid: Type.Array(Type.String()) }),
  quality: CompatQuality,
});
export type TCompatFacialAnalysis = Static<typeof CompatFacialAnalysis>;

const CompatColor = Type.Object({ name: Type.String(), hex: Hex });

export const CompatChromaticAnalysis = Type.Object({
  ...Common,
  season: Nullable(Type.Enum(SEASONS_4)),
  subseason: Nullable(Type.Enum(SEASONS_12)),
  undertone: Nullable(Type.Enum(UNDERTONES)),
  depth: Nullable(Type.Enum(['light', 'medium', 'deep'])),
  intensity: Nullable(Type.Enum(['soft', 'medium', 'clear'])),
  contrast: Nullable(Type.Enum(['low', 'medium', 'high'])),
  confidence: Nullable(Type.Number()),
  alternatives: Type.Array(Type.Object({ season: Type.Enum(SEASONS_12), confidence: Type.Number() })),
  palette: Nullable(
    Type.Object({
      name: Type.String(),
      best_colors: Type.Array(CompatColor),
      neutrals: Type.Array(CompatColor),
      avoid_colors: Type.Array(CompatColor),
      metals: Type.Array(Type.String()),
    }),
  ),
  skin_tone: Nullable(Type.Object({ hex: Hex, monk: Type.Integer(), ita_category: Type.String() })),
  /** Null for a quiz (no photo). */
  quality: Nullable(CompatQuality),
});
export type TCompatChromaticAnalysis = Static<typeof CompatChromaticAnalysis>;

export const CompatCacheHealth = Type.Object({
  status: Type.Enum(['healthy', 'unhealthy']),
  /** The cache driver: `redis` (shared by every node) or `memory` (this process). */
  driver: Type.Enum(['memory', 'redis']),
  redis_connected: Type.Boolean(),
  latency_ms: Type.Number(),
  error: Type.Optional(Type.String()),
  timestamp: Timestamp,
});

const NamespaceFigures = Type.Object({
  hits: Type.Integer(),
  misses: Type.Integer(),
  total_requests: Type.Integer(),
  hit_ratio: Nullable(Type.Number()),
});

export const CompatCacheMetrics = Type.Object({
  tenant_id: Type.String(),
  cache_metrics: Type.Object({
    hit_ratio: Nullable(Type.Number()),
    total_requests: Type.Integer(),
    hits: Type.Integer(),
    misses: Type.Integer(),
    /** Mean time of an answer from the cache, seconds (null before the first hit). */
    avg_response_time: Nullable(Type.Number()),
    /** Mean time of an analysis that ran, seconds. */
    avg_analysis_time: Nullable(Type.Number()),
    /** Not per tenant here (the cache is shared): always null. */
    memory_usage_mb: Type.Null(),
  }),
  namespaces: Type.Object({ analysis: NamespaceFigures }),
  api_metrics: Type.Object({
    /** Analyses per minute over the last hour. */
    requests_per_minute: Type.Number(),
    avg_response_time: Nullable(Type.Number()),
    /** Failed analyses / all, over the last hour (null when there were none). */
    error_rate: Nullable(Type.Number()),
  }),
  driver: Type.Enum(['memory', 'redis']),
  timestamp: Timestamp,
});

export const COMPAT_CACHE_NAMESPACES = ['analysis', 'user', 'recommendations', 'config', 'session', 'all'] as const;

export const CompatInvalidation = Type.Object({
  success: Type.Boolean(),
  namespace: Type.Enum(COMPAT_CACHE_NAMESPACES),
  pattern: Type.String(),
  invalidated: Type.Integer(),
  message: Type.String(),
  timestamp: Timestamp,
});

/* ---------- feedback (/api/v1/feedback…) and files (/api/v1/files…) of the signed-in end user ---------- */

const FeedbackFields = {
  rating: Type.Integer({ minimum: 1, maximum: 5, description: 'How good the analysis was, 1 (poor) to 5 (spot on)' }),
  feels_right: Type.Enum(FEELS_RIGHT, { description: 'Does the answer feel right: `yes`, `no` or `unsure`' }),
  is_accurate: Type.Boolean({ description: 'The same as a yes/no `feels_right` (true: yes, false: no)' }),
  corrected_season: Type.Enum(SEASONS_12, { description: 'What the person thinks they are: one of the 12 seasons, e.g. `soft_autumn`' }),
  corrected_face_shape: Type.Enum(FACE_SHAPES),
  comment: Type.String({ minLength: 1, maxLength: FEEDBACK_COMMENT_MAX }),
};

/**
 * Feedback on one of the user's analyses. Say whether it feels right (`feels_right`, or the yes/no
 * `is_accurate`) and/or rate it; a rating alone is recorded as `unsure`. Other fields are ignored.
 */
export const CompatFeedbackBody = Type.Object(
  {
    analysis_id: Type.String({ pattern: '^sta_[0-9A-Za-z]{1,64}$', maxLength: 80, description: 'The analysis judged (`analysis_id` of an analysis answer)' }),
    rating: Type.Optional(FeedbackFields.rating),
    feels_right: Type.Optional(FeedbackFields.feels_right),
    is_accurate: Type.Optional(FeedbackFields.is_accurate),
    corrected_season: Type.Optional(FeedbackFields.corrected_season),
    corrected_face_shape: Type.Optional(FeedbackFields.corrected_face_shape),
    comment: Type.Optional(FeedbackFields.comment),
  },
  { additionalProperties: true },
);
export type TCompatFeedbackBody = Static<typeof CompatFeedbackBody>;

/** An edit of the user's feedback: the fields given change (`null` clears the rating, a correction, the comment). */
export const CompatFeedbackUpdate = Type.Object(
  {
    rating: Type.Optional(Nullable(FeedbackFields.rating)),
    feels_right: Type.Optional(FeedbackFields.feels_right),
    is_accurate: Type.Optional(FeedbackFields.is_accurate),
    corrected_season: Type.Optional(Nullable(FeedbackFields.corrected_season)),
    corrected_face_shape: Type.Optional(Nullable(FeedbackFields.corrected_face_shape)),
    comment: Type.Optional(Nullable(FeedbackFields.comment)),
  },
  { additionalProperties: true },
);
export type TCompatFeedbackUpdate = Static<typeof CompatFeedbackUpdate>;

const CompatFeedbackItem = {
  /** `fbk_…`: the same feedback at GET /v1/style/feedback/:id. */
  feedback_id: Type.String(),
  analysis_id: Type.String(),
  user_id: Type.String(),
  rating: Nullable(Type.Integer()),
  feels_right: Type.Enum(FEELS_RIGHT),
  /** true for `yes`, false for `no`, null for `unsure`. */
  is_accurate: Nullable(Type.Boolean()),
  corrected_season: Nullable(Type.Enum(SEASONS_12)),
  corrected_face_shape: Nullable(Type.Enum(FACE_SHAPES)),
  comment: Nullable(Type.String()),
  /** What the analysis answered (what is judged): its season of 12, face shape, Monk level. */
  predicted_season: Nullable(Type.Enum(SEASONS_12)),
  predicted_face_shape: Nullable(Type.Enum(FACE_SHAPES)),
  predicted_monk: Nullable(Type.Integer()),
  created_at: Timestamp,
  updated_at: Timestamp,
};
export const CompatFeedback = Type.Object({ success: Type.Boolean(), ...CompatFeedbackItem });
export type TCompatFeedback = Static<typeof CompatFeedback>;

export const CompatFeedbackListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ pattern: '^fbk_[0-9A-Za-z]{1,64}$', maxLength: 80, description: 'Cursor: `next_cursor` of the previous page' })),
  analysis_id: Type.Optional(Type.String({ pattern: '^sta_[0-9A-Za-z]{1,64}$', maxLength: 80, description: 'Only the feedback on this analysis' })),
});

export const CompatFeedbackList = Type.Object({
  success: Type.Boolean(),
  feedback: Type.Array(Type.Object(CompatFeedbackItem)),
  count: Type.Integer({ description: 'Items on this page' }),
  has_more: Type.Boolean(),
  /** The id to pass as `starting_after` for the next page; null on the last. */
  next_cursor: Nullable(Type.String()),
});

/** A file the user uploaded (`ufl_…`, the same as GET /v1/account/files/:id). */
export const CompatFile = Type.Object({
  success: Type.Boolean(),
  file_id: Type.String(),
  /** The name the browser sent, on the upload's answer only (not kept); null elsewhere. */
  filename: Nullable(Type.String()),
  kind: Type.Enum(['photo', 'garment']),
  content_type: Type.String(),
  /** Bytes as stored (re-encoded, metadata dropped): may differ from the upload's. */
  size: Type.Integer(),
  width: Type.Integer(),
  height: Type.Integer(),
  /** A short-lived signed link to the image. */
  url: Nullable(Type.String()),
  url_expires_at: Nullable(Timestamp),
  uploaded_at: Timestamp,
  /** The store's retention: after this the file is gone. */
  expires_at: Timestamp,
});
export type TCompatFile = Static<typeof CompatFile>;
