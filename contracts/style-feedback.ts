/**
 * Feedback on a style analysis (`fbk_…`) and the figures made from it: `/v1/style/analyses/:id/feedback`,
 * `/v1/style/feedback/...` (summary: agreement per season and Monk level, the confusion list) and
 * `/v1/style/analytics` (the dashboard's style figures). Pure TypeBox.
 */
import Type, { type Static } from 'typebox';
import { NullableScalar, StringEnum } from './common.js';
import { FACE_SHAPES, SEASONS_12 } from './style.js';
import { Granularity, SeriesQuery } from './analytics.js';

export const FEELS_RIGHT = ['yes', 'no', 'unsure'] as const;
export const FEEDBACK_COMMENT_MAX = 1000;

const Season = StringEnum(SEASONS_12, { description: 'One of the 12 seasons, e.g. `soft_autumn`' });
const Shape = StringEnum(FACE_SHAPES);
/** One of a few strings or null, as `{ type: ['string', 'null'], enum: [..., null] }`. */
const NullableEnum = <const V extends readonly string[]>(values: V) => Type.Unsafe<V[number] | null>({ type: ['string', 'null'], enum: [...values, null] });
const NullableSeason = NullableEnum(SEASONS_12);
const NullableShape = NullableEnum(FACE_SHAPES);

export const FeedbackCorrection = Type.Object(
  {
    season: Type.Optional(Season),
    face_shape: Type.Optional(Shape),
  },
  { additionalProperties: false, description: 'What the person thinks they are ("I am a soft autumn"); each part optional' },
);

export const CreateFeedbackBody = Type.Object(
  {
    rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'How good the analysis was, 1 (poor) to 5 (spot on)' })),
    feels_right: StringEnum(FEELS_RIGHT, { description: 'Does the answer feel right: `yes`, `no` or `unsure`' }),
    correction: Type.Optional(FeedbackCorrection),
    comment: Type.Optional(Type.String({ minLength: 1, maxLength: FEEDBACK_COMMENT_MAX, description: `Free text, at most ${FEEDBACK_COMMENT_MAX} characters` })),
  },
  { additionalProperties: false },
);
export type TCreateFeedbackBody = Static<typeof CreateFeedbackBody>;

/** An edit: any of the fields; `null` clears an optional one. */
export const UpdateFeedbackBody = Type.Object(
  {
    rating: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 5 }), Type.Null()])),
    feels_right: Type.Optional(StringEnum(FEELS_RIGHT)),
    correction: Type.Optional(Type.Union([FeedbackCorrection, Type.Null()])),
    comment: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: FEEDBACK_COMMENT_MAX }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TUpdateFeedbackBody = Static<typeof UpdateFeedbackBody>;

export const StyleFeedback = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('style_feedback'),
    analysis_id: Type.String(),
    /** The end user who gave it (accounts); null when a store's key sent it. */
    user_id: NullableScalar(Type.String()),
    rating: NullableScalar(Type.Integer()),
    feels_right: StringEnum(FEELS_RIGHT),
    correction: Type.Object({ season: NullableSeason, face_shape: NullableShape }),
    comment: NullableScalar(Type.String()),
    /** What the analysis answered when the feedback was given (what is being judged). */
    predicted: Type.Object({ season: NullableSeason, monk: NullableScalar(Type.Integer()), face_shape: NullableShape }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'StyleFeedback' },
);
export type TStyleFeedback = Static<typeof StyleFeedback>;

export const ListFeedbackQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ pattern: '^fbk_[0-9A-Za-z]{1,64}$', maxLength: 80, description: 'Cursor: the id of the last item of the previous page' })),
});

/* ---------- summary ---------- */

const Ratio = NullableScalar(Type.Number({ minimum: 0, maximum: 1 }));
const Agreement = {
  feedback: Type.Integer(),
  yes: Type.Integer(),
  no: Type.Integer(),
  unsure: Type.Integer(),
  agreement: NullableScalar(Type.Number({ minimum: 0, maximum: 1 }), { description: 'yes / feedback (unsure counts as not agreeing); null without feedback' }),
  rated: Type.Integer({ description: 'Feedback with a rating' }),
  mean_rating: NullableScalar(Type.Number()),
  corrected: Type.Integer({ description: 'Feedback whose season correction differs from the prediction' }),
};
const Range = Type.Object({ from: Type.String(), to: Type.String(), granularity: Granularity });

export const FeedbackSummary = Type.Object({
  object: Type.Literal('style_feedback_summary'),
  range: Range,
  overall: Type.Object(Agreement),
  by_season: Type.Array(
    Type.Object({
      season: Season,
      ...Agreement,
      /** The season people most often corrected this one to (ties: the season listed first of the 12). */
      top_correction: Type.Union([Type.Object({ season: Season, count: Type.Integer() }), Type.Null()]),
    }),
    { description: 'Per predicted season (of the 12), seasons with feedback only, most feedback first' },
  ),
  by_monk: Type.Array(Type.Object({ monk: NullableScalar(Type.Integer({ minimum: 1, maximum: 10 }), { description: 'Monk Skin Tone level 1–10; null: not measured (a quiz answer)' }), ...Agreement }), {
    description: 'Per Monk level measured on the photo, 1 to 10, then null',
  }),
  confusion: Type.Array(Type.Object({ predicted: Season, corrected: Season, count: Type.Integer() }), { description: 'Season corrections that differ from the prediction: predicted → corrected, most frequent first' }),
  face_confusion: Type.Array(Type.Object({ predicted: Shape, corrected: Shape, count: Type.Integer() })),
});
export type TFeedbackSummary = Static<typeof FeedbackSummary>;

/** The figures' period (as the analytics API's); the summary has no CSV. */
export const FiguresQuery = SeriesQuery;
export const SummaryQuery = Type.Object({ period: SeriesQuery.properties.period, from: SeriesQuery.properties.from, to: SeriesQuery.properties.to, granularity: SeriesQuery.properties.granularity });

/* ---------- the dashboard's style figures ---------- */

export const StyleFigures = Type.Object({
  object: Type.Literal('style_figures'),
  range: Range,
  summary: Type.Object({
    analyses: Type.Integer(),
    succeeded: Type.Integer(),
    failed: Type.Integer(),
    retakes: Type.Integer({ description: 'Succeeded, but the photo asked for a retake' }),
    cached: Type.Integer(),
    quiz_fused: Type.Integer({ description: 'Analyses whose colour answer was fused with a quiz' }),
    ...Agreement,
  }),
  points: Type.Array(
    Type.Object({
      t: Type.String({ description: 'Bucket start (ISO)' }),
      analyses: Type.Integer(),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
      retakes: Type.Integer(),
      feedback: Type.Integer(),
      yes: Type.Integer(),
      agreement: Ratio,
    }),
  ),
  seasons: Type.Array(Type.Object({ season: Season, analyses: Type.Integer(), share: Type.Number() }), { description: 'Succeeded analyses of the period per season (all 12, in their order)' }),
  monk: Type.Array(Type.Object({ monk: Type.Integer(), analyses: Type.Integer() }), { description: 'Analyses with a measured skin per Monk level 1–10' }),
});
export type TStyleFigures = Static<typeof StyleFigures>;
