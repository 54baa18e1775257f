/**
 * Style: selfie analysis (face shape, seasonal colour), the quiz, palettes and colour matching
 * (`/v1/style/...`). One answer shape for the offline analyser, the Gemini adapter, the quiz and
 * their fusion: `source` and `analyser` say where an answer came from.
 *
 * Colours are sRGB hex (`#rrggbb`) with CIELAB (D65) beside them; angles in degrees; scores and
 * confidences 0–1. Text meant for people comes in English and Spanish.
 */
import Type, { type Static } from 'typebox';

const Text = Type.Object({ en: Type.String(), es: Type.String() });
export const FACE_SHAPES = ['oval', 'round', 'square', 'heart', 'oblong', 'diamond', 'triangle'] as const;
export const SEASONS_4 = ['spring', 'summer', 'autumn', 'winter'] as const;
export const SEASONS_12 = [
  'light_spring',
  'true_spring',
  'bright_spring',
  'light_summer',
  'true_summer',
  'soft_summer',
  'soft_autumn',
  'true_autumn',
  'deep_autumn',
  'deep_winter',
  'true_winter',
  'bright_winter',
] as const;
export const UNDERTONES = ['warm', 'cool', 'neutral', 'olive'] as const;
export const ANALYSIS_KINDS = ['face', 'color'] as const;
export const RETAKE_CODES = [
  'no_face',
  'multiple_faces',
  'face_too_small',
  'head_turned',
  'eyes_not_visible',
  'blurry',
  'too_dark',
  'overexposed',
  'uneven_light',
  'colored_light',
  'makeup_or_filter_suspected',
  'hair_not_visible',
] as const;

export const FaceShape = Type.Enum(FACE_SHAPES);
export const Season4 = Type.Enum(SEASONS_4);
export const Season12 = Type.Enum(SEASONS_12);
export const Undertone = Type.Enum(UNDERTONES);
export const AnalysisKind = Type.Enum(ANALYSIS_KINDS);
export const RetakeCode = Type.Enum(RETAKE_CODES);

export const Lab = Type.Object({ l: Type.Number(), a: Type.Number(), b: Type.Number() }, { description: 'CIELAB, D65' });
export const Hex = Type.String({ pattern: '^#[0-9a-f]{6}$', description: 'sRGB, lower-case #rrggbb' });
export const MeasuredColor = Type.Object({ hex: Hex, lab: Lab });
export const NamedColor = Type.Object({ name: Text, hex: Hex, lab: Lab });

export const QualityIssue = Type.Object({
  code: RetakeCode,
  severity: Type.Enum(['error', 'warning'], { description: '`error`: the answer it affects is withheld (retake); `warning`: the answer is given with lower confidence' }),
  /** Which answers it affects. */
  affects: Type.Array(AnalysisKind),
  message: Text,
  tip: Text,
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const Quality = Type.Object({
  /** 0–1: how far the photo can be trusted (sharpness, exposure, pose, light, white balance). */
  score: Type.Number({ minimum: 0, maximum: 1 }),
  /** true when an issue of severity `error` withheld an answer: take another photo. */
  retake: Type.Boolean(),
  issues: Type.Array(QualityIssue),
});

export const FaceAnswer = Type.Object({
  shape: FaceShape,
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  runner_up: Type.Object({ shape: FaceShape, confidence: Type.Number({ minimum: 0, maximum: 1 }) }),
  /** Soft scores of all seven shapes, highest first; they sum to 1. */
  scores: Type.Array(Type.Object({ shape: FaceShape, score: Type.Number() })),
  /** What the answer is made of (after the head's roll is corrected). */
  measurements: Type.Object({
    length_to_cheek: Type.Number(),
    forehead_to_cheek: Type.Number(),
    jaw_to_cheek: Type.Number(),
    jaw_angle_deg: Type.Number(),
    chin_angle_deg: Type.Number(),
    roll_deg: Type.Number({ description: 'The head roll that was corrected' }),
  }),
  advice: Type.Object({ necklines: Type.Array(Text), glasses: Type.Array(Text), hairstyles: Type.Array(Text), avoid: Type.Array(Text) }),
});

export const Palette = Type.Object({
  season: Season12,
  name: Text,
  best: Type.Array(NamedColor),
  neutrals: Type.Array(NamedColor),
  metals: Type.Array(Type.Enum(['gold', 'silver', 'rose_gold', 'copper', 'brass', 'pewter', 'platinum'])),
  avoid: Type.Array(NamedColor),
});

export const SeasonScore = Type.Object({ season: Season12, confidence: Type.Number({ minimum: 0, maximum: 1 }) });

export const ColorAnswer = Type.Object({
  undertone: Undertone,
  depth: Type.Enum(['light', 'medium', 'deep']),
  chroma: Type.Enum(['soft', 'medium', 'clear']),
  contrast: Type.Enum(['low', 'medium', 'high']),
  season4: Type.Object({ season: Season4, confidence: Type.Number({ minimum: 0, maximum: 1 }) }),
  season12: SeasonScore,
  /** The three most likely of the 12 seasons, highest first. */
  top3: Type.Array(SeasonScore),
  /** confidence(top1) − confidence(top2): small means the photo (or quiz) cannot tell them apart. */
  margin: Type.Number(),
  /** temperature −1 (cool) … 1 (warm); value 0 (deep) … 1 (light); chroma 0 (soft) … 1 (clear). */
  axes: Type.Object({ temperature: Type.Number(), value: Type.Number(), chroma: Type.Number() }),
  /** Measured on the photo (after white balance); null for a quiz answer, or where not visible. */
  measured: Type.Union([
    Type.Object({
      skin: Type.Object({
        hex: Hex,
        lab: Lab,
        /** Individual typology angle, atan((L* − 50) / b*). */
        ita: Type.Number(),
        ita_category: Type.Enum(['very_light', 'light', 'intermediate', 'tan', 'brown', 'dark']),
        hue_angle: Type.Number(),
        chroma: Type.Number(),
        /** Monk Skin Tone level 1–10 (nearest reference by ΔE2000). */
        monk: Type.Integer({ minimum: 1, maximum: 10 }),
      }),
      eyes: Type.Union([MeasuredColor, Type.Null()]),
      lips: Type.Union([MeasuredColor, Type.Null()]),
      hair: Type.Union([MeasuredColor, Type.Null()]),
    }),
    Type.Null(),
  ]),
  palette: Palette,
  white_balance: Type.Object({
    method: Type.Enum(['card', 'sclera', 'scene', 'none'], { description: 'The reference used: a white card or paper, the whites of the eyes, the whole scene, or none' }),
    /** Per-channel gains applied (linear RGB). */
    gains: Type.Object({ r: Type.Number(), g: Type.Number(), b: Type.Number() }),
    /** How strong the corrected cast was (ΔE2000 of the reference from neutral). */
    cast_strength: Type.Number(),
  }),
  /** When the top two seasons are close: the quiz questions whose answers would separate them (ids). */
  tie_breakers: Type.Array(Type.String()),
});

/** One analyser call for an analysis (the style router's attempts: a Gemini call that failed, the offline analyser it fell back to). */
export const StyleAttempt = Type.Object({
  analyser: Type.String(),
  model: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String({ description: '`succeeded`, `failed`, `canceled` or `skipped` (breaker open)' }),
  error_class: Type.Union([Type.String(), Type.Null()], { description: 'e.g. `rate_limited`, `server_error` (also an invalid answer), `timeout`' }),
  latency_ms: Type.Integer(),
  cost_usd: Type.Number(),
  started_at: Type.String({ format: 'date-time' }),
});

export const StyleAnalysis = Type.Object(
  {
    id: Type.String({ description: '`sta_…`' }),
    object: Type.Literal('style_analysis'),
    status: Type.Enum(['queued', 'processing', 'succeeded', 'failed']),
    kinds: Type.Array(AnalysisKind),
    source: Type.Enum(['photo', 'quiz', 'fused']),
    analyser: Type.Object({ name: Type.Enum(['local', 'gemini']), version: Type.String(), model: Type.Union([Type.String(), Type.Null()]) }),
    /** The selfie while retention keeps it (a short-lived signed URL); null when process-only or expired. */
    selfie: Type.Union([Type.Object({ upload_id: Type.String(), url: Type.String(), expires_at: Type.String({ format: 'date-time' }) }), Type.Null()]),
    face: Type.Union([FaceAnswer, Type.Null()]),
    color: Type.Union([ColorAnswer, Type.Null()]),
    quality: Quality,
    /** Answered from the cache (same image, kinds and analyser version): no model or provider ran. */
    cached: Type.Boolean(),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
    shopper_id: Type.Union([Type.String(), Type.Null()]),
    /** What the provider calls cost (0 offline and from the cache). */
    cost_usd: Type.Number(),
    /** The analyser calls made by the `style.analyse` job, oldest first (`GET /v1/style/analyses/:id` only; none for an analysis answered in the request). */
    attempts: Type.Optional(Type.Array(StyleAttempt)),
    created_at: Type.String({ format: 'date-time' }),
    completed_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    took_ms: Type.Union([Type.Number(), Type.Null()]),
  },
  { $id: 'StyleAnalysis' },
);

export const CreateAnalysisBody = Type.Object(
  {
    /** An upload id, a data URL or an https URL (multipart: the file in `image`). */
    image: Type.String({ minLength: 1 }),
    kinds: Type.Optional(Type.Array(AnalysisKind, { minItems: 1, maxItems: 2, uniqueItems: true })),
    /** `local` (default, offline) or `gemini` (falls back to `local` on an error or an invalid answer). */
    analyser: Type.Optional(Type.Enum(['local', 'gemini'])),
    shopper_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Fuse with an earlier quiz result (`qzr_…`). */
    quiz_result_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const ListAnalysesQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'Cursor: the id of the last analysis of the previous page' })),
  shopper_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export const QuizQuestion = Type.Object({
  id: Type.String(),
  text: Text,
  /** Which axes its answers move. */
  axes: Type.Array(Type.Enum(['temperature', 'value', 'chroma', 'contrast'])),
  options: Type.Array(Type.Object({ id: Type.String(), text: Text })),
});

export const Quiz = Type.Object({ object: Type.Literal('style_quiz'), version: Type.String(), questions: Type.Array(QuizQuestion) });

export const QuizResultBody = Type.Object(
  {
    answers: Type.Array(Type.Object({ question: Type.String({ minLength: 1, maxLength: 64 }), option: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
    /** Fuse with a photo analysis (`sta_…`). */
    analysis_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    shopper_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const QuizResult = Type.Object({
  id: Type.String({ description: '`qzr_…`' }),
  object: Type.Literal('style_quiz_result'),
  source: Type.Enum(['quiz', 'fused']),
  color: ColorAnswer,
  analysis_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});

export const ColorMatchBody = Type.Object(
  {
    /** Whose colours: a season, or an analysis / quiz result id (its season and measured colours). */
    season: Type.Optional(Season12),
    analysis_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    colors: Type.Optional(Type.Array(Type.String({ pattern: '^#?[0-9a-fA-F]{6}$' }), { maxItems: 200 })),
    product_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 })),
    /** Rank the whole catalog (its active products with a colour) instead: the `limit` best scores, optionally of one verdict. */
    catalog: Type.Optional(
      Type.Object(
        {
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          verdict: Type.Optional(Type.Enum(['flatters', 'neutral', 'avoid'])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ColorMatch = Type.Object({
  /** The colour as given, or the product's dominant garment colour. */
  color: Hex,
  product_id: Type.Union([Type.String(), Type.Null()]),
  verdict: Type.Enum(['flatters', 'neutral', 'avoid']),
  score: Type.Number({ minimum: 0, maximum: 1 }),
  /** ΔE2000 to the nearest colour of the palette's best (and of its avoid list). */
  delta_e: Type.Object({ best: Type.Number(), avoid: Type.Union([Type.Number(), Type.Null()]) }),
  nearest: NamedColor,
});

export const ColorMatches = Type.Object({
  object: Type.Literal('list'),
  season: Season12,
  data: Type.Array(ColorMatch),
  /** Requested products that could not be scored: unknown to the catalog, no colour found in their image, or not read yet (retry shortly). */
  skipped: Type.Array(Type.Object({ product_id: Type.String(), reason: Type.Enum(['not_found', 'no_color', 'color_pending']) })),
  /** With `catalog`: more products than `limit` matched. */
  has_more: Type.Boolean(),
});

export type TStyleAnalysis = Static<typeof StyleAnalysis>;
export type TCreateAnalysisBody = Static<typeof CreateAnalysisBody>;
export type TColorAnswer = Static<typeof ColorAnswer>;
export type TFaceAnswer = Static<typeof FaceAnswer>;
export type TQuality = Static<typeof Quality>;
export type TPalette = Static<typeof Palette>;
export type TQuizResult = Static<typeof QuizResult>;
export type TColorMatch = Static<typeof ColorMatch>;
export type TSeason12 = (typeof SEASONS_12)[number];
export type TSeason4 = (typeof SEASONS_4)[number];
export type TFaceShape = (typeof FACE_SHAPES)[number];
export type TRetakeCode = (typeof RETAKE_CODES)[number];
export type TUndertone = (typeof UNDERTONES)[number];
export type TAnalysisKind = (typeof ANALYSIS_KINDS)[number];
