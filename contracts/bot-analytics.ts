/**
 * Bot analytics (issue 23): messages in and out, error rate per provider, response time and
 * conversion per period (`GET /v1/bots/analytics`), and drop-off and completion per step of a flow
 * version (`GET /v1/flows/:flow_id/analytics`, `GET /v1/flows/analytics`). Pure TypeBox.
 */
import Type, { type Static } from 'typebox';
import { SeriesQuery } from './analytics.js';
import { NullableScalar } from './common.js';

const BotId = Type.String({ pattern: '^bot_[0-9A-Za-z]{1,64}$', maxLength: 80, description: 'Only this bot (default: every bot of the store)' });
const Rate = (description: string) => NullableScalar(Type.Number({ minimum: 0, maximum: 1 }), { description });
const Ms = (description: string) => NullableScalar(Type.Number(), { description });
const Range = Type.Object({ from: Type.String(), to: Type.String(), granularity: Type.Union([Type.Literal('hour'), Type.Literal('day')]) });

export const BotAnalyticsQuery = Type.Intersect([
  SeriesQuery,
  Type.Object({
    bot_id: Type.Optional(BotId),
    breakdown: Type.Optional(Type.Union([Type.Literal('time'), Type.Literal('provider')], { description: 'CSV rows per time bucket (default) or per time bucket and provider' })),
  }),
]);
export type TBotAnalyticsQuery = Static<typeof BotAnalyticsQuery>;

/** Message figures: shared by the summary, a provider and a point. */
const messageFigures = {
  messages_in: Type.Integer({ description: 'Messages from shoppers' }),
  messages_out: Type.Integer({ description: 'Messages to shoppers (bot, agents, API, automatic replies)' }),
  out_failed: Type.Integer({ description: 'Outgoing messages that failed (refused, or reported failed by the provider)' }),
  error_rate: Rate('out_failed / messages_out'),
  replies: Type.Integer({ description: 'Shopper turns answered: each first reply after one or more shopper messages' }),
  response_p50_ms: Ms('Median time from the first unanswered shopper message to the first reply after it'),
  response_p95_ms: Ms('95th percentile of the same'),
  response_avg_ms: Ms('Mean of the same'),
};
const conversationFigures = {
  conversations: Type.Integer({ description: 'Conversations started' }),
  converted: Type.Integer({ description: 'Of those, conversations an order names (orders.conversation_id)' }),
  conversion_rate: Rate('converted / conversations'),
};

export const BotProviderFigures = Type.Object({
  provider: Type.String({ description: 'The channel provider; `none` for messages no provider took (refused before sending, or still queued)' }),
  ...messageFigures,
});

export const BotAnalytics = Type.Object({
  object: Type.Literal('bot_analytics'),
  bot_id: Type.Union([Type.String(), Type.Null()]),
  range: Range,
  summary: Type.Object({ ...messageFigures, ...conversationFigures }),
  providers: Type.Array(BotProviderFigures),
  points: Type.Array(
    Type.Object({
      t: Type.String({ description: 'Bucket start (ISO)' }),
      ...messageFigures,
      ...conversationFigures,
      by_provider: Type.Record(Type.String(), Type.Object({ messages_out: Type.Integer(), out_failed: Type.Integer(), error_rate: Rate('out_failed / messages_out') })),
    }),
  ),
});
export type TBotAnalytics = Static<typeof BotAnalytics>;

export const FlowAnalyticsQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'Default: the published version, else the newest version sessions ran' })),
  period: Type.Optional(Type.Union([Type.Literal('24h'), Type.Literal('7d'), Type.Literal('30d'), Type.Literal('all')], { description: 'Sessions started in this period (default all)' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
});
export type TFlowAnalyticsQuery = Static<typeof FlowAnalyticsQuery>;

const sessionFigures = {
  sessions: Type.Integer({ description: 'Sessions of this version' }),
  completed: Type.Integer({ description: 'Sessions that reached the end' }),
  dropped_off: Type.Integer({ description: 'Sessions that ended expired, exited or failed, and active sessions idle past their expiry' }),
  handed_over: Type.Integer({ description: 'Sessions handed over to a person' }),
  active: Type.Integer({ description: 'Sessions still running (not past their expiry)' }),
  completion_rate: Rate('completed / sessions'),
};

export const FlowStepFigures = Type.Object({
  step_id: Type.String(),
  type: Type.Union([Type.String(), Type.Null()], { description: 'The step type in the version (null: a step the version no longer has)' }),
  title: Type.Union([Type.String(), Type.Null()]),
  reached: Type.Integer({ description: 'Sessions that reached this step' }),
  dropped_off: Type.Integer({ description: 'Sessions that dropped off at this step (ended expired, exited or failed here, or idle here past expiry)' }),
  drop_off_rate: Rate('dropped_off / reached'),
  handed_over: Type.Integer({ description: 'Sessions handed over to a person at this step' }),
  active: Type.Integer({ description: 'Sessions waiting at this step now' }),
  completed: Type.Integer({ description: 'Sessions that reached this step and went on to complete the flow' }),
  completion_rate: Rate('completed / reached'),
});

export const FlowAnalytics = Type.Object({
  object: Type.Literal('flow_analytics'),
  flow_id: Type.String(),
  name: Type.String(),
  version: Type.Union([Type.Integer(), Type.Null()], { description: 'null: the flow has no version yet' }),
  published_version: Type.Union([Type.Integer(), Type.Null()]),
  versions: Type.Array(Type.Integer(), { description: 'Versions that exist or that sessions ran, newest first' }),
  period: Type.String(),
  summary: Type.Object(sessionFigures),
  steps: Type.Array(FlowStepFigures),
});
export type TFlowAnalytics = Static<typeof FlowAnalytics>;

export const FlowAnalyticsListQuery = Type.Object({ bot_id: Type.Optional(BotId), period: FlowAnalyticsQuery.properties.period, format: FlowAnalyticsQuery.properties.format });

export const FlowAnalyticsList = Type.Object({
  object: Type.Literal('flow_analytics_list'),
  period: Type.String(),
  data: Type.Array(
    Type.Object({
      flow_id: Type.String(),
      name: Type.String(),
      bot_id: Type.Union([Type.String(), Type.Null()]),
      published_version: Type.Union([Type.Integer(), Type.Null()]),
      version: Type.Union([Type.Integer(), Type.Null()], { description: 'The version the figures are for (as the per-flow report defaults)' }),
      ...sessionFigures,
    }),
  ),
});
