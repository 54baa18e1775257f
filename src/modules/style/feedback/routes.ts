/**
 * Style feedback API. Feedback on an analysis (`/v1/style/analyses/:id/feedback`, `/v1/style/feedback/:id`):
 * secret keys, and publishable keys from the tenant's allowed origins with the widget's
 * `probador-session` header (their session's analyses and feedback only). The figures
 * (`/v1/style/feedback/summary`, `/v1/style/analytics`): a secret key or a signed-in dashboard user
 * (operators name the tenant in `probador-tenant`), like the other analytics; CSV on the latter.
 */
import Type, { type TSchema } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { IdParam, listOf, problemResponses } from '../../../../contracts/common.js';
import { CreateFeedbackBody, FeedbackSummary, FiguresQuery, ListFeedbackQuery, StyleFeedback, StyleFigures, SummaryQuery, UpdateFeedbackBody } from '../../../../contracts/style-feedback.js';
import type { TSeriesQuery } from '../../../../contracts/analytics.js';
import { keyOrEndUser, tenantIdOf } from '../../../platform/http/principal.js';
import type { App } from '../../../platform/http/types.js';
import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db/client.js';
import { resolveRange, sendCsv, wantsCsv } from '../../analytics/index.js';
import type { StylePorts } from '../ports.js';
import type { FeedbackCaller, FeedbackService } from './service.js';
import { feedbackSummary, styleFigures } from './queries.js';

const tags = ['style'];
const AnalysisParams = IdParam('analysis_id', 'sta');
const FeedbackParams = IdParam('feedback_id', 'fbk');
const csvOr = (json: TSchema) => ({ content: { 'application/json': { schema: json }, 'text/csv': { schema: Type.String() } } });
/** The figures' period: the last 30 days unless one is named. */
const rangeOf = (q: TSeriesQuery, now: number) => resolveRange(q.period || q.from ? q : { ...q, period: '30d' }, now);

export type FeedbackRouteDeps = { svc: FeedbackService; ports: Pick<StylePorts, 'callerOf'>; db: Db; clock: Clock };

export function styleFeedbackRoutes(app: App, { svc, ports, db, clock }: FeedbackRouteDeps) {
  app.addSchema(StyleFeedback);
  const callerOf = (req: FastifyRequest): FeedbackCaller => {
    const p = keyOrEndUser(req.principal);
    return { tenantId: p.tenantId, keyId: p.keyId, widgetSession: ports.callerOf(req).widgetSession, userId: p.userId };
  };
  const Feedback = Type.Ref('StyleFeedback');

  app.post(
    '/v1/style/analyses/:analysis_id/feedback',
    {
      config: { auth: 'key_or_end_user' },
      schema: {
        tags,
        summary: 'Give feedback on a finished analysis: a rating 1–5, whether it feels right (yes / no / unsure), a correction (one of the 12 seasons, a face shape) and a comment',
        description: 'What the analysis predicted (season, Monk level, face shape) is recorded with it for the agreement figures (`GET /v1/style/feedback/summary`). An analysis still queued or failed is 409.',
        params: AnalysisParams,
        body: CreateFeedbackBody,
        response: { 201: Feedback, ...problemResponses(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (req, reply) => {
      const fb = await svc.create(callerOf(req), req.params.analysis_id, req.body);
      return reply.code(201).header('location', `/v1/style/feedback/${fb.id}`).send(fb);
    },
  );

  app.get(
    '/v1/style/analyses/:analysis_id/feedback',
    { config: { auth: 'key_or_end_user' }, schema: { tags, summary: 'The feedback on an analysis, newest first (a publishable key: its widget session\'s only)', params: AnalysisParams, querystring: ListFeedbackQuery, response: { 200: listOf(Feedback), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => svc.list(callerOf(req), req.params.analysis_id, { limit: req.query.limit, startingAfter: req.query.starting_after }),
  );

  app.get(
    '/v1/style/feedback/summary',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Agreement figures from feedback given in a period (default the last 30 days): per predicted season and Monk level — count, share that feels right, mean rating, corrections — and the confusion list (predicted → corrected season)',
        querystring: SummaryQuery,
        response: { 200: FeedbackSummary, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (req) => feedbackSummary(db, tenantIdOf(req.principal), rangeOf(req.query, clock.now())),
  );

  app.get(
    '/v1/style/analytics',
    {
      config: { auth: 'tenant' },
      schema: {
        tags,
        summary: 'Style figures for a period (default the last 30 days): analyses per hour/day, seasons and Monk levels of the analyses, agreement from feedback. JSON, or CSV of the points with `Accept: text/csv` / `?format=csv`',
        querystring: FiguresQuery,
        response: { 200: csvOr(StyleFigures), ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const r = await styleFigures(db, tenantIdOf(req.principal), rangeOf(req.query, clock.now()));
      if (!wantsCsv(req)) return r;
      return sendCsv(reply, 'style', ['t', 'analyses', 'succeeded', 'failed', 'retakes', 'feedback', 'feels_right', 'agreement'], r.points.map((p) => [p.t, p.analyses, p.succeeded, p.failed, p.retakes, p.feedback, p.yes, p.agreement]));
    },
  );

  app.get(
    '/v1/style/feedback/:feedback_id',
    { config: { auth: 'key_or_end_user' }, schema: { tags, summary: 'Get one piece of style feedback', params: FeedbackParams, response: { 200: Feedback, ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req) => svc.get(callerOf(req), req.params.feedback_id),
  );

  app.patch(
    '/v1/style/feedback/:feedback_id',
    {
      config: { auth: 'key_or_end_user' },
      schema: { tags, summary: 'Edit style feedback (a widget session: its own); `null` clears the rating, correction or comment', params: FeedbackParams, body: UpdateFeedbackBody, response: { 200: Feedback, ...problemResponses(400, 401, 403, 404, 429) } },
    },
    async (req) => svc.update(callerOf(req), req.params.feedback_id, req.body),
  );

  app.delete(
    '/v1/style/feedback/:feedback_id',
    { config: { auth: 'key_or_end_user' }, schema: { tags, summary: 'Delete style feedback (a widget session: its own)', params: FeedbackParams, response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 429) } } },
    async (req, reply) => {
      await svc.remove(callerOf(req), req.params.feedback_id);
      return reply.code(204).send(null);
    },
  );
}
