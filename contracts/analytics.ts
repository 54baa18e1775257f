/** Funnel events from the widget and the analytics API (time series, funnel, providers). Pure TypeBox. */
import Type, { type Static } from 'typebox';

export const FunnelEventType = Type.Union(
  ['opened', 'consented', 'uploaded', 'precheck_failed', 'generated', 'viewed', 'downloaded', 'shared', 'added_to_cart', 'colours_opened', 'colours_found', 'colours_retake', 'colours_forgotten'].map((t) => Type.Literal(t)),
  { description: 'What the shopper did in the widget' },
);

export const FunnelEvent = Type.Object(
  {
    type: FunnelEventType,
    product_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tryon_id: Type.Optional(Type.String({ pattern: '^try_[0-9A-Za-z]{1,64}$', maxLength: 80 })),
    at: Type.Optional(Type.String({ format: 'date-time', description: 'When it happened (default: when received); at most 7 days old, not in the future' })),
    properties: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 20, description: 'Small free-form details (≤ 2 KB as JSON)' })),
  },
  { additionalProperties: false },
);
export type TFunnelEvent = Static<typeof FunnelEvent>;

export const PostEventsBody = Type.Object({ events: Type.Array(FunnelEvent, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false });
export type TPostEventsBody = Static<typeof PostEventsBody>;
export const PostEventsResponse = Type.Object({ accepted: Type.Integer() });

export const Period = Type.Union([Type.Literal('24h'), Type.Literal('7d'), Type.Literal('30d'), Type.Literal('custom')]);
export const Granularity = Type.Union([Type.Literal('hour'), Type.Literal('day')]);

export const SeriesQuery = Type.Object({
  period: Type.Optional(Period),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'With period=custom (or alone): start, inclusive' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End, exclusive (default now)' })),
  granularity: Type.Optional(Granularity),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv: same as Accept: text/csv' })),
});
export type TSeriesQuery = Static<typeof SeriesQuery>;

export const OperatorSeriesQuery = Type.Intersect([SeriesQuery, Type.Object({ tenant_id: Type.Optional(Type.String({ pattern: '^ten_[0-9A-Za-z]{1,64}$' })) })]);

const Range = Type.Object({ from: Type.String(), to: Type.String(), granularity: Granularity });
const Nullable = (t: ReturnType<typeof Type.Number>) => Type.Union([t, Type.Null()]);

export const TryonSummary = Type.Object({
  tryons: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  canceled: Type.Integer(),
  in_progress: Type.Integer(),
  cached: Type.Integer(),
  success_rate: Nullable(Type.Number({ description: 'succeeded / finished (succeeded + failed)' })),
  cache_hit_ratio: Nullable(Type.Number({ description: 'cached / try-ons' })),
  p50_ms: Nullable(Type.Number()),
  p95_ms: Nullable(Type.Number()),
  cost_usd: Type.Number(),
});

export const TryonPoint = Type.Object({
  t: Type.String({ description: 'Bucket start (ISO)' }),
  tryons: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  cached: Type.Integer(),
  success_rate: Nullable(Type.Number()),
  cache_hit_ratio: Nullable(Type.Number()),
  p50_ms: Nullable(Type.Number()),
  p95_ms: Nullable(Type.Number()),
  cost_usd: Type.Number(),
});

export const TryonSeries = Type.Object({
  object: Type.Literal('tryon_series'),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  range: Range,
  summary: TryonSummary,
  points: Type.Array(TryonPoint),
});

export const EventPoint = Type.Object({ t: Type.String(), counts: Type.Record(Type.String(), Type.Integer()) });
export const EventSeries = Type.Object({
  object: Type.Literal('event_series'),
  tenant_id: Type.Union([Type.String(), Type.Null()]),
  range: Range,
  totals: Type.Record(Type.String(), Type.Integer()),
  points: Type.Array(EventPoint),
});

export const FunnelStep = Type.Object({
  type: Type.String(),
  sessions: Type.Integer({ description: 'Unique widget sessions that reached this step in the period (server-sent events without a session are not counted)' }),
  events: Type.Integer({ description: 'Events of this type in the period (a session may send several)' }),
  conversion_from_previous: Nullable(Type.Number({ description: 'sessions / the previous step\'s sessions' })),
  conversion_from_start: Nullable(Type.Number({ description: 'sessions / opened sessions' })),
});
export const Funnel = Type.Object({ object: Type.Literal('funnel'), tenant_id: Type.Union([Type.String(), Type.Null()]), range: Range, steps: Type.Array(FunnelStep) });

export const ProviderStats = Type.Object({
  provider: Type.String(),
  attempts: Type.Integer(),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
  error_rate: Nullable(Type.Number()),
  p50_ms: Nullable(Type.Number()),
  p95_ms: Nullable(Type.Number()),
  cost_usd: Type.Number(),
  cost_per_day: Type.Array(Type.Object({ day: Type.String(), cost_usd: Type.Number(), attempts: Type.Integer() })),
  breaker: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open'), Type.Literal('unknown')]),
  healthy: Type.Boolean(),
});
export const ProvidersReport = Type.Object({ object: Type.Literal('providers'), range: Range, data: Type.Array(ProviderStats) });

export const TopProducts = Type.Object({
  object: Type.Literal('top_products'),
  range: Range,
  data: Type.Array(Type.Object({ product_id: Type.String(), tryons: Type.Integer() })),
});
