import Type, { type Static } from 'typebox';
import { NullableTimestamp, Timestamp } from './common.js';
import { Hex, NamedColor, Season12 } from './style.js';

export const GarmentCategory = Type.Union([Type.Literal('auto'), Type.Literal('tops'), Type.Literal('bottoms'), Type.Literal('one-pieces')]);
export const TryonMode = Type.Union([Type.Literal('fast'), Type.Literal('balanced'), Type.Literal('quality')]);
export const TryonStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('processing'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('canceled'),
  Type.Literal('expired'),
]);

const ImageRef = Type.String({ minLength: 1, maxLength: 20_000_000, description: 'An upload id (upl_…), a data URL (data:image/…;base64,…) or an https URL' });
const ShopperId = Type.String({ pattern: '^[A-Za-z0-9_.:@-]{1,128}$', description: "Your id for the shopper (to erase their data later)" });
const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), { maxProperties: 20, description: 'Up to 20 string pairs, returned as given' });

export const Upload = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('upload'),
    kind: Type.Union([Type.Literal('person'), Type.Literal('garment')]),
    content_type: Type.String(),
    width: Type.Integer(),
    height: Type.Integer(),
    bytes: Type.Integer(),
    source: Type.String(),
    shopper_id: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    expires_at: NullableTimestamp,
  },
  { $id: 'Upload' },
);

export const CreateUploadJson = Type.Object(
  {
    data_url: Type.Optional(Type.String({ maxLength: 20_000_000 })),
    url: Type.Optional(Type.String({ maxLength: 2048 })),
    kind: Type.Optional(Type.Union([Type.Literal('person'), Type.Literal('garment')])),
    shopper_id: Type.Optional(ShopperId),
  },
  { additionalProperties: false },
);

export const GarmentInput = Type.Object(
  {
    image: Type.Optional(ImageRef),
    product_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Your product id (recorded). Without `image`, the image and category of this product in the catalog (PUT /v1/products/:product_id) are used.' }),
    ),
    category: Type.Optional(GarmentCategory),
  },
  { additionalProperties: false },
);

/** Whose colours to judge the garments by ("does this colour suit me"): one of the two. */
export const TryonStyle = Type.Object(
  {
    season: Type.Optional(Season12),
    analysis_id: Type.Optional(
      Type.String({ pattern: '^(sta|qzr)_[0-9A-Za-z]{1,64}$', description: 'A style analysis (`sta_…`, with a colour answer) or quiz result (`qzr_…`) of yours; a publishable key may name only its own widget session’s' }),
    ),
  },
  { additionalProperties: false, description: 'Judge each garment’s colour against this season’s palette: `{ "season": "deep_winter" }` or `{ "analysis_id": "sta_…" }`. Each garment then carries `color_match`.' },
);

/** A garment's colour judged against a season's palette (the ColorMatch of /v1/style/color-matches, with the season). */
export const GarmentColorMatch = Type.Object({
  /** The garment's dominant colour: the catalog product's stored one, or read from the image at intake. */
  color: Hex,
  verdict: Type.Union([Type.Literal('flatters'), Type.Literal('neutral'), Type.Literal('avoid')]),
  score: Type.Number({ minimum: 0, maximum: 1 }),
  /** ΔE2000 to the nearest of the palette's best colours and neutrals, and to the nearest of its colours to avoid. */
  delta_e: Type.Object({ best: Type.Number(), avoid: Type.Union([Type.Number(), Type.Null()]) }),
  /** The palette's best colour or neutral nearest to the garment's. */
  nearest: NamedColor,
  season: Season12,
  season_name: Type.Object({ en: Type.String(), es: Type.String() }),
});
export type TGarmentColorMatch = Static<typeof GarmentColorMatch>;

export const CreateTryonBody = Type.Object(
  {
    person: ImageRef,
    garments: Type.Array(GarmentInput, { minItems: 1, maxItems: 3 }),
    style: Type.Optional(TryonStyle),
    mode: Type.Optional(TryonMode),
    provider: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,32}$' })),
    shopper_id: Type.Optional(ShopperId),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type TCreateTryonBody = Static<typeof CreateTryonBody>;

export const Attempt = Type.Object({
  provider: Type.String(),
  model: Type.Union([Type.String(), Type.Null()]),
  step: Type.Integer(),
  hedged: Type.Boolean(),
  outcome: Type.String(),
  error_class: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Integer(),
  cost_usd: Type.Number(),
  /** How well the result kept the person's body and face, 0–1 (perception); null when not measured. */
  fidelity_score: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  started_at: Timestamp,
});

export const Tryon = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('tryon'),
    status: TryonStatus,
    stage: Type.Union([Type.String(), Type.Null()]),
    mode: TryonMode,
    person: Type.Object({ upload_id: Type.String() }),
    garments: Type.Array(
      Type.Object({
        upload_id: Type.String(),
        product_id: Type.Union([Type.String(), Type.Null()]),
        category: GarmentCategory,
        /** Only on a try-on created with `style`: the garment's colour judged for that season; null when no colour could be read from it. */
        color_match: Type.Optional(Type.Union([GarmentColorMatch, Type.Null()])),
      }),
    ),
    provider: Type.Union([Type.String(), Type.Null()]),
    model: Type.Union([Type.String(), Type.Null()]),
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
    shopper_id: Type.Union([Type.String(), Type.Null()]),
    metadata: Type.Record(Type.String(), Type.String()),
    created_at: Timestamp,
    started_at: NullableTimestamp,
    finished_at: NullableTimestamp,
    expires_at: NullableTimestamp,
  },
  { $id: 'Tryon' },
);
export type TTryon = Static<typeof Tryon>;

export const ListTryonsQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(TryonStatus),
  shopper_id: Type.Optional(ShopperId),
  created_gte: Type.Optional(Type.String({ format: 'date-time' })),
  created_lt: Type.Optional(Type.String({ format: 'date-time' })),
});
